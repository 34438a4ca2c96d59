package dev.dockfsck.model.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The libc binding against the real file system (run by surefire with the launcher's JVM flags). */
class PosixTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void linked() {
        assertTrue(Posix.available(), Posix.unavailableReason());
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int attr(Path p, String name) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:" + name, LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void userXattrRoundTripsAndAbsentIsEmpty() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        Posix.setXattr(f, "user.dockfsck", new byte[] {1, 0, 2});
        assertArrayEquals(new byte[] {1, 0, 2}, Posix.getXattr(f, "user.dockfsck").orElseThrow());
        assertTrue(Posix.xattrs(f).containsKey("user.dockfsck"));
        assertFalse(Posix.getXattr(f, "user.other").isPresent());
        Posix.removeXattr(f, "user.dockfsck");
        assertFalse(Posix.getXattr(f, "user.dockfsck").isPresent());
        Posix.removeXattr(f, "user.dockfsck"); // nothing to remove: no error
    }

    @Test
    void trustedOverlayOpaqueOnADirectory() throws Exception {
        assumeTrue(root(), "trusted.* needs root");
        Path d = Files.createDirectory(dir.resolve("d"));
        Posix.setXattr(d, "trusted.overlay.opaque", "y".getBytes(StandardCharsets.US_ASCII));
        assertEquals("y", new String(Posix.xattrs(d).get("trusted.overlay.opaque"), StandardCharsets.US_ASCII));
    }

    @Test
    void largeValueIsReadWhole() throws Exception {
        Path f = Files.writeString(dir.resolve("big"), "x");
        byte[] v = new byte[3000];
        for (int i = 0; i < v.length; i++) {
            v[i] = (byte) i;
        }
        Posix.setXattr(f, "user.big", v);
        assertArrayEquals(v, Posix.getXattr(f, "user.big").orElseThrow());
    }

    @Test
    void whiteoutDeviceAndFifo() throws Exception {
        assumeTrue(root(), "mknod of a device needs root");
        Path wh = dir.resolve("wh");
        Posix.mknod(wh, Posix.S_IFCHR, 0, 0, 0);
        assertEquals(Posix.S_IFCHR, attr(wh, "mode") & Posix.S_IFMT);
        assertEquals(0, ((Number) Files.getAttribute(wh, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue());
        Path nul = dir.resolve("null");
        Posix.mknod(nul, Posix.S_IFCHR, 0600, 1, 3);
        assertEquals(Posix.makedev(1, 3), ((Number) Files.getAttribute(nul, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue());
        Path fifo = dir.resolve("fifo");
        Posix.mknod(fifo, Posix.S_IFIFO, 0640, 0, 0);
        Posix.chmod(fifo, 0640);
        assertEquals(Posix.S_IFIFO | 0640, attr(fifo, "mode"));
        // times of a FIFO without opening it (which would block)
        Posix.setTimes(fifo, 100, 0, 200, 5);
        assertEquals(FileTime.from(java.time.Instant.ofEpochSecond(200, 5)),
                Files.getLastModifiedTime(fifo, LinkOption.NOFOLLOW_LINKS));
        assertThrows(FileAlreadyExistsException.class, () -> Posix.mknod(fifo, Posix.S_IFIFO, 0640, 0, 0));
    }

    @Test
    void setIdBitsOwnerAndLinkTimesWithoutFollowing() throws Exception {
        assumeTrue(root(), "chown needs root");
        Path f = Files.writeString(dir.resolve("su"), "x");
        Posix.lchown(f, 1000, 1001);
        Posix.chmod(f, 06755);
        assertEquals(06755, attr(f, "mode") & 07777);
        assertEquals(1000, attr(f, "uid"));
        assertEquals(1001, attr(f, "gid"));
        Path link = dir.resolve("ln");
        Posix.symlink("su".getBytes(StandardCharsets.US_ASCII), link);
        Posix.lchown(link, 7, 8);
        Posix.setTimes(link, 1, 0, 2, 0);
        assertEquals(7, attr(link, "uid"));
        assertEquals(1000, attr(f, "uid"), "the target keeps its owner");
        assertEquals(2, Files.getLastModifiedTime(link, LinkOption.NOFOLLOW_LINKS).toMillis() / 1000);
    }

    @Test
    void symlinkTargetKeepsBytesThatAreNotUtf8() throws Exception {
        byte[] target = {'c', 'a', 'f', (byte) 0xe9};
        Path link = dir.resolve("raw");
        Posix.symlink(target, link);
        Path read = Files.readSymbolicLink(link);
        assertArrayEquals(target, RawPaths.bytesOf(read));
    }

    @Test
    void errorsNameThePathAndTheCError() {
        Path missing = dir.resolve("missing");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Posix.chmod(missing, 0644));
        assertEquals(missing.toString(), e.getFile());
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
        assertThrows(NoSuchFileException.class, () -> Posix.xattrs(missing));
    }
}
