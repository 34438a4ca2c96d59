package dev.dockfsck.model.fs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The names moby's ioutils.AtomicWriteFile gives its temp files: ".tmp-" + base + Go's random decimal digits. */
class AtomicWriteTmpTest {
    static final String HEX = "a".repeat(60) + "1234";

    @Test
    void theTempNameOfATargetIsItsBaseAndOneToTenDigits() {
        assertTrue(AtomicWriteTmp.isTmpOf(".tmp-repositories.json123456789", "repositories.json")); // older Go: 9 digits
        assertTrue(AtomicWriteTmp.isTmpOf(".tmp-config.v2.json4294967295", "config.v2.json")); // Go 1.17+: uint32
        assertTrue(AtomicWriteTmp.isTmpOf(".tmp-hostconfig.json7", "hostconfig.json"));
        assertTrue(AtomicWriteTmp.isTmpOfAny(".tmp-lastUpdated01", List.of("parent", "lastUpdated")));
    }

    @Test
    void otherNamesAreNot() {
        assertFalse(AtomicWriteTmp.isTmpOf(".tmp-repositories.json", "repositories.json"), "no random part");
        assertFalse(AtomicWriteTmp.isTmpOf(".tmp-repositories.json12345678901", "repositories.json"), "11 digits");
        assertFalse(AtomicWriteTmp.isTmpOf(".tmp-repositories.jsonx1", "repositories.json"));
        assertFalse(AtomicWriteTmp.isTmpOf("tmp-repositories.json1", "repositories.json"));
        assertFalse(AtomicWriteTmp.isTmpOf(".tmp-config.v2.json1", "hostconfig.json"));
        assertFalse(AtomicWriteTmp.isTmpOf("repositories.json", "repositories.json"));
    }

    @Test
    void theTempNameOfAnImageConfigIsItsIdAndDigits() {
        assertTrue(AtomicWriteTmp.isTmpOfHex64(".tmp-" + HEX + "987654321"));
        assertFalse(AtomicWriteTmp.isTmpOfHex64(".tmp-" + HEX), "a hex ending in digits is no random part of its own");
        assertFalse(AtomicWriteTmp.isTmpOfHex64(".tmp-" + HEX.substring(1) + "9"), "63 hex and a digit");
        assertFalse(AtomicWriteTmp.isTmpOfHex64(".tmp-" + HEX.toUpperCase() + "1"));
        assertFalse(AtomicWriteTmp.isTmpOfHex64(HEX + ".tmp"), "the naming of dockerd 1.10 is not 20.10's");
    }
}
