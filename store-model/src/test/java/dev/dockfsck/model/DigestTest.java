package dev.dockfsck.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class DigestTest {
    private static final String EMPTY_SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void parsesCanonicalForm() {
        Digest d = Digest.parse("sha256:" + EMPTY_SHA);
        assertEquals(EMPTY_SHA, d.hex());
        assertEquals("sha256:" + EMPTY_SHA, d.toString());
        assertEquals(d, Digest.sha256Of(new byte[0]));
    }

    @Test
    void rejectsEverythingElse() {
        assertTrue(Digest.tryParse("sha256:" + EMPTY_SHA.toUpperCase()).isEmpty());
        assertTrue(Digest.tryParse("sha512:" + EMPTY_SHA).isEmpty());
        assertTrue(Digest.tryParse("sha256:../../etc/passwd").isEmpty());
        assertTrue(Digest.tryParse("sha256:" + EMPTY_SHA + "\n").isEmpty());
        assertTrue(Digest.tryParse("").isEmpty());
        assertTrue(Digest.tryParse(null).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> Digest.ofHex("abc"));
    }

    @Test
    void chainIdFollowsTheSpec() {
        Digest a = Digest.sha256Of("a".getBytes(StandardCharsets.UTF_8));
        Digest b = Digest.sha256Of("b".getBytes(StandardCharsets.UTF_8));
        assertEquals(a, Digest.chainId(null, a));
        assertEquals(Digest.sha256Of((a + " " + b).getBytes(StandardCharsets.US_ASCII)), Digest.chainId(a, b));
    }

    @Property
    void anyStringParsesOnlyWhenItIsAValidDigestAndIsAlwaysPathSafe(@ForAll String s) {
        Digest.tryParse(s).ifPresent(d -> {
            assertFalse(d.hex().contains("/"));
            assertFalse(d.hex().contains("."));
            assertEquals(s, d.toString());
        });
    }
}
