package dev.dockfsck.model.tarsplit;

/**
 * Base64 as Go's {@code encoding/json} reads {@code []byte} (the standard alphabet with padding,
 * {@code base64.StdEncoding}: '\r' and '\n' ignored, bits after the last full byte not checked),
 * decoded straight from the parser's characters without intermediate objects.
 */
final class Base64 {
    private static final byte[] VALUE = new byte[128];
    /** The alphabet's values as ints, -1 (all bits set) for every other ASCII character. */
    private static final int[] FAST = new int[128];
    static final int ERR_CHAR = -1;
    static final int ERR_LENGTH = -2;
    static final int ERR_PADDING = -3;

    static {
        java.util.Arrays.fill(VALUE, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < 64; i++) {
            VALUE[alphabet.charAt(i)] = (byte) i;
        }
        for (int i = 0; i < 128; i++) {
            FAST[i] = VALUE[i];
        }
    }

    private Base64() {
    }

    static int maxDecodedLength(int chars) {
        return (chars / 4) * 3 + 3;
    }

    static String error(int code) {
        switch (code) {
            case ERR_CHAR:
                return "a character outside the base64 alphabet";
            case ERR_LENGTH:
                return "a length that is not a multiple of 4";
            default:
                return "misplaced '=' padding";
        }
    }

    /**
     * Decodes {@code src[off, off+len)} into {@code dst} (at least {@link #maxDecodedLength} long).
     *
     * @return the number of bytes, or a negative error code
     */
    static int decode(char[] src, int off, int len, byte[] dst) {
        int end = off + len;
        // fast path: whole quanta of four alphabet characters (all of a tar header but its end);
        // any other character (padding, line break, garbage) ends it at that quantum, and the
        // exact loop below takes over from there
        int[] t = FAST;
        int i = off;
        int o = 0;
        while (end - i >= 4) {
            char c0 = src[i];
            char c1 = src[i + 1];
            char c2 = src[i + 2];
            char c3 = src[i + 3];
            if ((c0 | c1 | c2 | c3) >= 128) {
                break;
            }
            int v = (t[c0] << 18) | (t[c1] << 12) | (t[c2] << 6) | t[c3];
            if (v < 0) {
                break;
            }
            dst[o] = (byte) (v >> 16);
            dst[o + 1] = (byte) (v >> 8);
            dst[o + 2] = (byte) v;
            o += 3;
            i += 4;
        }
        return decodeRest(src, off, i, end, dst, o);
    }

    /** The exact loop, from {@code start} (a quantum boundary) with {@code o} bytes already written. */
    private static int decodeRest(char[] src, int off, int start, int end, byte[] dst, int o) {
        int quad = 0;
        int n = 0;
        int pad = 0;
        for (int i = start; i < end; i++) {
            char c = src[i];
            if (c == '\r' || c == '\n') {
                continue;
            }
            if (c == '=') {
                pad++;
                n++;
                if (n == 4) {
                    break;
                }
                continue;
            }
            if (pad > 0 || c >= 128) {
                return pad > 0 ? ERR_PADDING : ERR_CHAR;
            }
            int v = VALUE[c];
            if (v < 0) {
                return ERR_CHAR;
            }
            quad = (quad << 6) | v;
            n++;
            if (n == 4) {
                dst[o] = (byte) (quad >> 16);
                dst[o + 1] = (byte) (quad >> 8);
                dst[o + 2] = (byte) quad;
                o += 3;
                n = 0;
                quad = 0;
            }
        }
        if (n == 4) {
            // a padded final quantum; only '\r' and '\n' may follow
            for (int i = end - 1; i >= off; i--) {
                char c = src[i];
                if (c == '=') {
                    break;
                }
                if (c != '\r' && c != '\n') {
                    return ERR_PADDING;
                }
            }
            if (pad > 2) {
                return ERR_PADDING;
            }
            if (pad == 1) {
                dst[o] = (byte) (quad >> 10);
                dst[o + 1] = (byte) (quad >> 2);
                o += 2;
            } else {
                dst[o] = (byte) (quad >> 4);
                o += 1;
            }
            return o;
        }
        if (n != 0) {
            return ERR_LENGTH;
        }
        return o;
    }
}
