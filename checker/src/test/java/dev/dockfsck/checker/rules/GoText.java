package dev.dockfsck.checker.rules;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An independent model (for test oracles) of how Go reads dockerd's small metadata files:
 * {@code strings.TrimSpace} and {@code strconv.ParseInt(s, 10, 64)}, on raw bytes.
 */
final class GoText {
    private GoText() {
    }

    /** unicode.IsSpace. */
    static boolean isSpace(int r) {
        if (r <= 0xff) {
            return r == '\t' || r == '\n' || r == 0x0b || r == '\f' || r == '\r' || r == ' ' || r == 0x85 || r == 0xa0;
        }
        return r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f
                || r == 0x3000;
    }

    /** strings.TrimSpace on bytes: invalid UTF-8 is never space, so it stops the trimming. */
    static byte[] trimSpace(byte[] b) {
        int start = 0;
        while (start < b.length) {
            int[] r = decode(b, start);
            if (r == null || !isSpace(r[0])) {
                break;
            }
            start += r[1];
        }
        int end = b.length;
        while (end > start) {
            int[] r = null;
            for (int w = 1; w <= 4 && end - w >= start; w++) {
                int[] c = decode(b, end - w);
                if (c != null && c[1] == w) {
                    r = c;
                    break;
                }
            }
            if (r == null || !isSpace(r[0])) {
                break;
            }
            end -= r[1];
        }
        return Arrays.copyOfRange(b, start, end);
    }

    /** The rune at {@code i} and its width, or null when the bytes there are not valid UTF-8. */
    private static int[] decode(byte[] b, int i) {
        for (int w = 1; w <= 4 && i + w <= b.length; w++) {
            try {
                String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, i, w)).toString();
                if (s.codePointCount(0, s.length()) == 1) {
                    return new int[] {s.codePointAt(0), w};
                }
            } catch (CharacterCodingException e) {
                // try a longer sequence
            }
        }
        return null;
    }

    /** Whether strconv.ParseInt(string(b), 10, 64) succeeds. */
    static boolean parseInt(byte[] b) {
        String s = new String(b, StandardCharsets.ISO_8859_1);
        if (!s.matches("[+-]?[0-9]+")) {
            return false;
        }
        BigInteger v = new BigInteger(s.startsWith("+") ? s.substring(1) : s);
        return v.bitLength() < 64;
    }
}
