package dev.dockfsck.repair.apply;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootedFsTest {
    @TempDir
    Path tmp;

    @Test
    void refusesPathsThatLeaveTheRootOrTouchVolumes() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("root"));
        Files.createDirectories(tmp.resolve("outside"));
        Files.createSymbolicLink(root.resolve("link"), tmp.resolve("outside"));
        RootedFs fs = new RootedFs(root);
        for (String bad : new String[] {"../x", "a/../../x", "/etc/passwd", "", "a//b", "./a", "volumes/v1/_data/f",
                "link/file"}) {
            assertThrows(RootedFs.UnsafePathException.class, () -> fs.writeAtomically(bad, new byte[] {1}), bad);
            assertThrows(RootedFs.UnsafePathException.class, () -> fs.removeTree(bad), bad);
        }
        try (var s = Files.list(tmp.resolve("outside"))) {
            assertEquals(0, s.count(), "nothing was written outside the root");
        }
    }

    @Test
    void writesAtomicallyAndIdempotently() throws Exception {
        RootedFs fs = new RootedFs(tmp);
        fs.writeAtomically("a/b/link", "ABC".getBytes(StandardCharsets.UTF_8));
        fs.writeAtomically("a/b/link", "DEF".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals("DEF".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(tmp.resolve("a/b/link")));
        try (var s = Files.list(tmp.resolve("a/b"))) {
            assertEquals(1, s.count(), "no temp file left behind");
        }
    }

    @Test
    void removeTreeDoesNotFollowLinksAndCountsBytes() throws Exception {
        Path victim = Files.createDirectories(tmp.resolve("victim"));
        Files.writeString(victim.resolve("keep"), "precious");
        Path dir = Files.createDirectories(tmp.resolve("root/overlay2/x/diff"));
        Files.writeString(dir.resolve("f"), "12345");
        Files.createSymbolicLink(dir.resolve("escape"), victim);
        RootedFs fs = new RootedFs(tmp.resolve("root"));
        long freed = fs.removeTree("overlay2/x");
        assertFalse(Files.exists(tmp.resolve("root/overlay2/x")));
        assertTrue(Files.exists(victim.resolve("keep")), "the link's target survives");
        assertTrue(freed >= 5);
        assertEquals(0, fs.removeTree("overlay2/x"), "removing again is a no-op");
    }

    @Test
    void symlinkIsReplacedAtomically() throws Exception {
        RootedFs fs = new RootedFs(tmp);
        fs.symlink("overlay2/l/ABC", "../one/diff");
        fs.symlink("overlay2/l/ABC", "../two/diff");
        assertEquals("../two/diff", Files.readSymbolicLink(tmp.resolve("overlay2/l/ABC")).toString());
    }
}
