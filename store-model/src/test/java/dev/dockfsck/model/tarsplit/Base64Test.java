package dev.dockfsck.model.tarsplit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class Base64Test {
    static int decode(String s, byte[] out) {
        char[] c = ("xx" + s + "yy").toCharArray();
        return Base64.decode(c, 2, s.length(), out);
    }

    static byte[] decode(String s) {
        byte[] out = new byte[Base64.maxDecodedLength(s.length())];
        int n = decode(s, out);
        assertTrue(n >= 0, s + " -> " + n);
        return Arrays.copyOf(out, n);
    }

    @Property(tries = 500)
    void agreesWithTheJdkOnValidInput(@ForAll @Size(max = 700) byte[] data) {
        String enc = java.util.Base64.getEncoder().encodeToString(data);
        assertArrayEquals(data, decode(enc));
        assertArrayEquals(data, decode(enc.replaceAll("(.{76})", "$1\r\n")), "CR LF ignored as in Go");
    }

    /** The fast path (whole quanta) hands over to the exact loop wherever a line break or garbage sits. */
    @Property(tries = 500)
    void aLineBreakAnywhereIsIgnoredAndAStrayCharacterAnywhereIsRejected(@ForAll @Size(min = 1, max = 300) byte[] data,
                                                                        @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 10_000) int at,
                                                                        @ForAll("stray") char stray) {
        String enc = java.util.Base64.getEncoder().encodeToString(data);
        int k = at % (enc.length() + 1);
        assertArrayEquals(data, decode(enc.substring(0, k) + "\n" + enc.substring(k)));
        assertArrayEquals(data, decode(enc.substring(0, k) + "\r\n\r\n" + enc.substring(k)));
        String bad = enc.substring(0, k) + stray + enc.substring(k);
        byte[] out = new byte[Base64.maxDecodedLength(bad.length())];
        assertTrue(decode(bad, out) < 0, bad);
        // the same text inside a larger array (as Jackson hands it over): same answer
        char[] wide = ("xyz" + enc + "@@").toCharArray();
        byte[] got = new byte[Base64.maxDecodedLength(enc.length())];
        assertEquals(data.length, Base64.decode(wide, 3, enc.length(), got));
        assertArrayEquals(data, Arrays.copyOf(got, data.length));
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Character> stray() {
        return net.jqwik.api.Arbitraries.of('@', '-', '_', ' ', '\t', '\u00e9', '\u0000', '.', '\u2028', '*');
    }

    @Test
    void rejectsWhatGoRejects() {
        byte[] out = new byte[64];
        assertEquals(Base64.ERR_CHAR, decode("QUJD@===", out));
        assertEquals(Base64.ERR_CHAR, decode("QU-D", out));
        assertEquals(Base64.ERR_CHAR, decode("QUJ\u00e9", out));
        assertEquals(Base64.ERR_LENGTH, decode("QUJ", out));
        assertEquals(Base64.ERR_LENGTH, decode("QQ=", out));
        assertEquals(Base64.ERR_PADDING, decode("Q===", out));
        assertEquals(Base64.ERR_PADDING, decode("====", out));
        assertEquals(Base64.ERR_PADDING, decode("QQ=A", out));
        assertEquals(Base64.ERR_PADDING, decode("QQ==QUJD", out));
        assertEquals(0, decode("", out));
        assertArrayEquals(new byte[] {'A'}, decode("QQ==\n"));
        assertArrayEquals(new byte[] {'A', 'B'}, decode("QUI="));
    }
}
