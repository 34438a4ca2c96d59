package dev.dockfsck.repair.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dockfsck.model.fs.Posix;
import dev.dockfsck.model.fs.RawPaths;
import dev.dockfsck.repair.extract.EntryHeader.Type;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Extraction as dockerd's archive.Unpack with the overlay2 whiteout converter (surefire runs it with the launcher's flags, as root). */
class DiffWriterTest {
    @TempDir
    Path tmp;
    Path diff;
    DiffWriter w;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(Posix.available() && "root".equals(System.getProperty("user.name")), "needs libc and root");
        diff = Files.createDirectory(tmp.resolve("diff"));
        w = new DiffWriter(diff);
    }

    static EntryHeader h(Type t, String name, int mode, int uid, int gid, String link, Map<String, byte[]> xattrs) {
        return new EntryHeader(t, name.getBytes(StandardCharsets.UTF_8), link == null ? null : link.getBytes(StandardCharsets.UTF_8),
                mode, uid, gid, 1_600_000_000L, 5, 0, 0, false, 0, 0, xattrs);
    }

    void put(EntryHeader h, String content) throws IOException {
        w.entry(h, new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)));
    }

    static int attr(Path p, String name) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:" + name, LinkOption.NOFOLLOW_LINKS)).intValue();
    }

    @Test
    void filesDirsLinksModesOwnersXattrsAndTimesAsTheHeaderSays() throws IOException {
        put(h(Type.DIRECTORY, "usr/", 0755, 0, 0, null, null), "");
        put(h(Type.DIRECTORY, "usr/bin/", 02775, 0, 50, null, null), "");
        Map<String, byte[]> cap = Map.of("security.capability", new byte[] {1, 0, 0, 2, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        put(h(Type.REGULAR, "usr/bin/ping", 04755, 0, 0, null, cap), "elf");
        // moby's tar writer puts the capability on the link's header too: the link's lchown clears it, its xattr restores it
        put(h(Type.HARDLINK, "usr/bin/ping6", 04755, 0, 0, "usr/bin/ping", cap), "");
        put(h(Type.SYMLINK, "usr/bin/p", 0777, 7, 8, "ping", null), "");
        put(h(Type.FIFO, "run/fifo", 0620, 1, 2, null, null), "");
        put(h(Type.CHAR, "dev/null", 0666, 0, 0, null, null), "");
        w.finish();
        Path ping = diff.resolve("usr/bin/ping");
        assertEquals("elf", Files.readString(ping));
        assertEquals(04755, attr(ping, "mode") & 07777, "set-uid kept: chown came before chmod");
        assertTrue(Posix.xattrs(ping).containsKey("security.capability"), "capability kept: chown came before the xattr");
        assertEquals(attr(ping, "ino"), attr(diff.resolve("usr/bin/ping6"), "ino"), "a hard link stays one inode");
        assertEquals(02775, attr(diff.resolve("usr/bin"), "mode") & 07777);
        assertEquals(50, attr(diff.resolve("usr/bin"), "gid"));
        assertEquals("ping", Files.readSymbolicLink(diff.resolve("usr/bin/p")).toString());
        assertEquals(7, attr(diff.resolve("usr/bin/p"), "uid"));
        assertEquals(Posix.S_IFIFO | 0620, attr(diff.resolve("run/fifo"), "mode"));
        assertEquals(0755, attr(diff.resolve("run"), "mode") & 07777, "an implicit parent is 0755 root");
        assertEquals(1_600_000_000L, Files.getLastModifiedTime(diff.resolve("usr/bin"), LinkOption.NOFOLLOW_LINKS).toMillis() / 1000,
                "directory times are set last");
    }

    @Test
    void whiteoutsBecomeCharDevicesAndOpaqueDirsAnXattr() throws IOException {
        put(h(Type.DIRECTORY, "etc/", 0755, 0, 0, null, null), "");
        put(h(Type.REGULAR, "etc/.wh.gone", 0644, 3, 4, null, null), "");
        put(h(Type.DIRECTORY, "var/", 0755, 0, 0, null, null), "");
        put(h(Type.REGULAR, "var/.wh..wh..opq", 0644, 0, 0, null, null), "");
        w.finish();
        Path gone = diff.resolve("etc/gone");
        assertEquals(Posix.S_IFCHR, attr(gone, "mode") & Posix.S_IFMT);
        assertEquals(0, ((Number) Files.getAttribute(gone, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).intValue());
        assertEquals(3, attr(gone, "uid"));
        assertArrayEquals(new byte[] {'y'}, Posix.getXattr(diff.resolve("var"), "trusted.overlay.opaque").orElseThrow());
        assertFalse(Files.exists(diff.resolve("var/.wh..wh..opq"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void nonUtf8NamesKeepTheirBytes() throws IOException {
        assumeTrue(RawPaths.exact(), "exact byte paths");
        byte[] name = {'c', 'a', 'f', (byte) 0xe9};
        w.entry(new EntryHeader(Type.REGULAR, name, null, 0644, 0, 0, 1, 0, 0, 0, false, 0, 0, null),
                new ByteArrayInputStream(new byte[] {'x'}));
        w.finish();
        try (var s = Files.list(diff)) {
            assertArrayEquals(name, RawPaths.bytesOf(s.findFirst().orElseThrow().getFileName()));
        }
    }

    @Test
    void nothingIsWrittenOutsideTheLayer() throws IOException {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        IOException up = assertThrows(IOException.class, () -> put(h(Type.REGULAR, "../outside/x", 0644, 0, 0, null, null), "x"));
        assertTrue(up.getMessage().contains("outside of the layer"), up.getMessage());
        put(h(Type.SYMLINK, "evil", 0777, 0, 0, outside.toString(), null), "");
        IOException via = assertThrows(IOException.class, () -> put(h(Type.REGULAR, "evil/x", 0644, 0, 0, null, null), "x"));
        assertTrue(via.getMessage().contains("evil/x") && via.getMessage().contains("symbolic link"), via.getMessage());
        assertThrows(IOException.class, () -> put(h(Type.HARDLINK, "h", 0644, 0, 0, "evil/passwd", null), ""));
        try (var s = Files.list(outside)) {
            assertEquals(0, s.count(), "nothing outside diff/");
        }
    }
}
