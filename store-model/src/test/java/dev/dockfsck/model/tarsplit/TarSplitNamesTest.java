package dev.dockfsck.model.tarsplit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TarSplitNamesTest {
    @Test
    void displayKeepsUtf8AndEscapesOtherBytes() {
        assertEquals("utf8-é.txt", TarSplitNames.display("utf8-é.txt".getBytes(StandardCharsets.UTF_8)));
        assertEquals("caf\\xe9-latin1.txt", TarSplitNames.display("café-latin1.txt".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals("a\\xff\\xfeb", TarSplitNames.display(new byte[] {'a', (byte) 0xff, (byte) 0xfe, 'b'}));
    }

    @Test
    void cleanIsGoFilepathClean() {
        assertEquals("a/b", clean("./a//b/"));
        assertEquals("b", clean("a/../b"));
        assertEquals("../x", clean("../x"));
        assertEquals("/x", clean("/../x"));
        assertEquals(".", clean(""));
        assertEquals(".", clean("a/.."));
    }

    private static String clean(String s) {
        return TarSplitNames.clean(s.getBytes(StandardCharsets.UTF_8));
    }
}
