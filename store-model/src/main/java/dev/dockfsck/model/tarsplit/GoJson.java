package dev.dockfsck.model.tarsplit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Strings in the form Go's {@code encoding/json} writes them (Go 1.19, HTML escaping on): the
 * tar-split packer's names, and any JSON that must be byte-for-byte what dockerd writes.
 */
public final class GoJson {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private GoJson() {
    }

    /** Appends a JSON string of valid UTF-8 bytes exactly as Go's encoder writes it. */
    public static void appendString(ByteArrayOutputStream out, byte[] s) {
        out.write('"');
        int i = 0;
        while (i < s.length) {
            int b = s[i] & 0xff;
            if (b < 0x80) {
                if (b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&') {
                    out.write(b);
                } else {
                    switch (b) {
                        case '"', '\\' -> {
                            out.write('\\');
                            out.write(b);
                        }
                        case '\n' -> {
                            out.write('\\');
                            out.write('n');
                        }
                        case '\r' -> {
                            out.write('\\');
                            out.write('r');
                        }
                        case '\t' -> {
                            out.write('\\');
                            out.write('t');
                        }
                        default -> {
                            out.write('\\');
                            out.write('u');
                            out.write('0');
                            out.write('0');
                            out.write(HEX[b >> 4]);
                            out.write(HEX[b & 0xf]);
                        }
                    }
                }
                i++;
                continue;
            }
            int len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
            if (!Utf8.valid(s, i, Math.min(s.length, i + len)) || i + len > s.length) {
                // Go writes U+FFFD escaped for each invalid byte
                out.writeBytes("\\ufffd".getBytes(StandardCharsets.US_ASCII));
                i++;
                continue;
            }
            if (len == 3 && b == 0xe2 && (s[i + 1] & 0xff) == 0x80 && ((s[i + 2] & 0xff) == 0xa8 || (s[i + 2] & 0xff) == 0xa9)) {
                out.writeBytes(((s[i + 2] & 0xff) == 0xa8 ? "\\u2028" : "\\u2029").getBytes(StandardCharsets.US_ASCII));
            } else {
                out.write(s, i, len);
            }
            i += len;
        }
        out.write('"');
    }

    public static void appendString(ByteArrayOutputStream out, String s) {
        appendString(out, s.getBytes(StandardCharsets.UTF_8));
    }

    public static String quote(String s) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        appendString(b, s);
        return b.toString(StandardCharsets.UTF_8);
    }
}
