package dev.dockfsck.model.tarsplit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class Crc64Test {

    /** The textbook bit-at-a-time reflected CRC, written independently of the table code. */
    static long bitwise(byte[] data) {
        long crc = ~0L;
        for (byte b : data) {
            crc ^= b & 0xffL;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1L) != 0 ? (crc >>> 1) ^ 0xD800000000000000L : crc >>> 1;
            }
        }
        return ~crc;
    }

    private static long crc(String s) {
        return Crc64.checksum(s.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void matchesGoPublishedIsoVectors() {
        // hash/crc64 golden values of Go's own test suite (ISO column)
        assertEquals(0x0L, crc(""));
        assertEquals(0x3420000000000000L, crc("a"));
        assertEquals(0x36c4200000000000L, crc("ab"));
        assertEquals(0x3776c42000000000L, crc("abc"));
        assertEquals(0x336776c420000000L, crc("abcd"));
        assertEquals(0x0e21b002d36776c4L, crc("abcdefgh"));
        assertEquals(0x8b6e21b002d36776L, crc("abcdefghi"));
        assertEquals(0x7f5b6e21b002d367L, crc("abcdefghij"));
        assertEquals(0x8ec0e7c835bf9cdfL, crc("Discard medicine more than two years old."));
    }

    @Test
    void matchesBitwiseReferenceOnLargeBuffers() {
        Random r = new Random(42);
        for (int len : new int[] {1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 4096, 100_003}) {
            byte[] b = new byte[len];
            r.nextBytes(b);
            assertEquals(bitwise(b), Crc64.checksum(b), "length " + len);
        }
    }

    @Test
    void sumIsEightBytesBigEndian() {
        assertArrayEquals(new byte[] {0x34, 0x20, 0, 0, 0, 0, 0, 0}, Crc64.toBytes(crc("a")));
        assertEquals(0x8ec0e7c835bf9cdfL, Crc64.fromBytes(Crc64.toBytes(0x8ec0e7c835bf9cdfL)));
    }

    @Property(tries = 300)
    void anySplitGivesTheSameSum(@ForAll @Size(max = 3000) byte[] data, @ForAll @IntRange(min = 0, max = 3000) int cut,
                                 @ForAll @IntRange(min = 0, max = 16) int offset) {
        int c = Math.min(cut, data.length);
        long whole = Crc64.checksum(data);
        assertEquals(bitwise(data), whole);
        long parts = Crc64.update(Crc64.update(0, data, 0, c), data, c, data.length - c);
        assertEquals(whole, parts);
        byte[] shifted = new byte[data.length + offset];
        System.arraycopy(data, 0, shifted, offset, data.length);
        assertEquals(whole, Crc64.update(0, shifted, offset, data.length));
    }
}
