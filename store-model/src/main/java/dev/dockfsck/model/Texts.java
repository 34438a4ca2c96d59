package dev.dockfsck.model;

import java.nio.charset.StandardCharsets;

/** Small text helpers for messages about untrusted bytes. */
public final class Texts {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Texts() {
    }

    public static String hex(byte[] raw) {
        char[] out = new char[raw.length * 2];
        for (int i = 0; i < raw.length; i++) {
            out[2 * i] = HEX[(raw[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[raw[i] & 0xf];
        }
        return new String(out);
    }

    /** Quotes untrusted text for a message: control characters escaped, cut at 80 characters. */
    public static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        int n = Math.min(s.length(), 80);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > n) {
            b.append("...");
        }
        return b.append('"').toString();
    }

    /** Quotes untrusted bytes (decoded leniently as UTF-8). */
    public static String quote(byte[] bytes) {
        return quote(new String(bytes, StandardCharsets.UTF_8));
    }
}
