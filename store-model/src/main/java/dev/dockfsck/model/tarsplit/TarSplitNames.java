package dev.dockfsck.model.tarsplit;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/** Helpers for tar-split file names, which are bytes (not necessarily UTF-8). */
public final class TarSplitNames {
    private TarSplitNames() {
    }

    /** The name for people: valid UTF-8 as is, every other byte as {@code \xNN}. */
    public static String display(byte[] name) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return dec.decode(ByteBuffer.wrap(name)).toString();
        } catch (CharacterCodingException e) {
            // slow path below
        }
        StringBuilder sb = new StringBuilder(name.length + 16);
        ByteBuffer in = ByteBuffer.wrap(name);
        CharBuffer out = CharBuffer.allocate(name.length + 1);
        dec.reset();
        while (in.hasRemaining()) {
            var r = dec.decode(in, out, true);
            out.flip();
            sb.append(out);
            out.clear();
            if (r.isError()) {
                for (int i = 0; i < r.length(); i++) {
                    sb.append(String.format("\\x%02x", in.get() & 0xff));
                }
            } else if (r.isUnderflow()) {
                break;
            }
        }
        return sb.toString();
    }

    /**
     * Whether the bytes are valid UTF-8 exactly as Go's {@code utf8.Valid} decides (tar-split
     * writes {@code name} for those, {@code name_raw} for the rest).
     */
    public static boolean isUtf8(byte[] name) {
        return Utf8.valid(name);
    }

    /** Whether Clean would return the name unchanged: no empty, "." or ".." component, no trailing '/'. */
    private static boolean isClean(byte[] n) {
        int len = n.length;
        if (len == 0 || n[len - 1] == '/') {
            return false;
        }
        int start = n[0] == '/' ? 1 : 0;
        if (start == 1 && len == 1) {
            return true;
        }
        for (int i = start; i <= len; i++) {
            if (i == len || n[i] == '/') {
                int c = i - start;
                if (c == 0 || (c == 1 && n[start] == '.') || (c == 2 && n[start] == '.' && n[start + 1] == '.')) {
                    return false;
                }
                start = i + 1;
            }
        }
        return true;
    }

    /**
     * Go's {@code filepath.Clean} of the name, kept as a byte-exact string (ISO-8859-1, one char
     * per byte): what tar-split compares to find duplicate paths.
     */
    public static String clean(byte[] name) {
        String s = new String(name, StandardCharsets.ISO_8859_1);
        if (isClean(name)) {
            return s;
        }
        boolean rooted = s.startsWith("/");
        Deque<String> parts = new ArrayDeque<>();
        for (String p : s.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (!parts.isEmpty() && !parts.peekLast().equals("..")) {
                    parts.removeLast();
                } else if (!rooted) {
                    parts.addLast(p);
                }
                continue;
            }
            parts.addLast(p);
        }
        String joined = String.join("/", parts);
        if (rooted) {
            return "/" + joined;
        }
        return joined.isEmpty() ? "." : joined;
    }
}
