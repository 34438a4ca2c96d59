package dev.dockfsck.model.tarsplit;

/**
 * CRC-64 with the ISO 3309 polynomial, bit-reflected, exactly as Go's
 * {@code crc64.Checksum(data, crc64.MakeTable(crc64.ISO))}: initial value 0, complemented before
 * and after each update. tar-split stores it for every file as 8 bytes, big-endian.
 *
 * <p>Table-driven, slicing-by-8: eight bytes per step with eight 256-entry tables. The state is
 * a plain {@code long}, so the hot loop allocates nothing:
 * <pre>{@code long crc = 0; crc = Crc64.update(crc, buf, 0, n); ... byte[] sum = Crc64.toBytes(crc);}</pre>
 */
public final class Crc64 {
    /** The ISO polynomial x^64 + x^4 + x^3 + x + 1, bit-reversed (Go's {@code crc64.ISO}). */
    public static final long ISO_POLY = 0xD800000000000000L;

    private static final long[][] T = makeTables();
    private static final long[] T0 = T[0];
    private static final long[] T1 = T[1];
    private static final long[] T2 = T[2];
    private static final long[] T3 = T[3];
    private static final long[] T4 = T[4];
    private static final long[] T5 = T[5];
    private static final long[] T6 = T[6];
    private static final long[] T7 = T[7];

    private Crc64() {
    }

    private static long[][] makeTables() {
        long[][] t = new long[8][256];
        for (int i = 0; i < 256; i++) {
            long crc = i;
            for (int j = 0; j < 8; j++) {
                crc = (crc & 1) == 1 ? (crc >>> 1) ^ ISO_POLY : crc >>> 1;
            }
            t[0][i] = crc;
        }
        for (int i = 0; i < 256; i++) {
            long crc = t[0][i];
            for (int k = 1; k < 8; k++) {
                crc = t[0][(int) (crc & 0xff)] ^ (crc >>> 8);
                t[k][i] = crc;
            }
        }
        return t;
    }

    /** The checksum of {@code b[off, off+len)}. */
    public static long checksum(byte[] b, int off, int len) {
        return update(0L, b, off, len);
    }

    public static long checksum(byte[] b) {
        return update(0L, b, 0, b.length);
    }

    /** Continues {@code crc} (a value returned by a previous call, or 0 to start) over more bytes. */
    public static long update(long crc, byte[] b, int off, int len) {
        if (off < 0 || len < 0 || off > b.length - len) {
            throw new IndexOutOfBoundsException("off " + off + " len " + len + " of " + b.length);
        }
        long c = ~crc;
        int i = off;
        int end = off + len;
        int end8 = off + (len & ~7);
        while (i < end8) {
            c ^= (b[i] & 0xffL) | (b[i + 1] & 0xffL) << 8 | (b[i + 2] & 0xffL) << 16 | (b[i + 3] & 0xffL) << 24
                    | (b[i + 4] & 0xffL) << 32 | (b[i + 5] & 0xffL) << 40 | (b[i + 6] & 0xffL) << 48
                    | (b[i + 7] & 0xffL) << 56;
            c = T7[(int) (c & 0xff)] ^ T6[(int) ((c >>> 8) & 0xff)] ^ T5[(int) ((c >>> 16) & 0xff)]
                    ^ T4[(int) ((c >>> 24) & 0xff)] ^ T3[(int) ((c >>> 32) & 0xff)]
                    ^ T2[(int) ((c >>> 40) & 0xff)] ^ T1[(int) ((c >>> 48) & 0xff)] ^ T0[(int) (c >>> 56)];
            i += 8;
        }
        while (i < end) {
            c = T0[(int) ((c ^ b[i]) & 0xff)] ^ (c >>> 8);
            i++;
        }
        return ~c;
    }

    /** The sum as tar-split stores it: 8 bytes, big-endian (Go's {@code hash.Hash64.Sum}). */
    public static byte[] toBytes(long crc) {
        byte[] out = new byte[8];
        for (int i = 7; i >= 0; i--) {
            out[i] = (byte) crc;
            crc >>>= 8;
        }
        return out;
    }

    /** Reads 8 big-endian bytes back into a sum. */
    public static long fromBytes(byte[] b) {
        if (b.length != 8) {
            throw new IllegalArgumentException("a CRC-64 is 8 bytes, got " + b.length);
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[i] & 0xffL);
        }
        return v;
    }
}
