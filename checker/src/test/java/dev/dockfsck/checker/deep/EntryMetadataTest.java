package dev.dockfsck.checker.deep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.model.fs.Posix;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the digest cannot see, on a real directory as root (run in a JVM with the launcher's flags,
 * for the libc binding): each entry's mode (set-id and sticky bits included), owner, link target,
 * device numbers and xattrs against its tar header, whiteouts as char devices 0/0, opaque markers
 * as trusted.overlay.opaque=y. A layer extracted as dockerd's overlay2 does has no finding.
 */
class EntryMetadataTest {
    @TempDir
    Path tmp;
    TestLayer.Built b;

    @BeforeEach
    void layer() throws Exception {
        assumeTrue(Posix.available() && "root".equals(System.getProperty("user.name")),
                "needs root and the libc binding (the native-access test run)");
        b = new TestLayer().dir("./").dir("bin").entry("bin/su", '0', "elf", "", 04755, 0, 0, Map.of(), 0, 0)
                .entry("tmp", '5', "", "", 01777, 0, 0, Map.of(), 0, 0)
                .entry("home/u", '5', "", "", 0700, 1000, 1001, Map.of(), 0, 0)
                .entry("bin/ping", '0', "ping", "", 0755, 0, 0,
                        Map.of("security.capability", new byte[] {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), 0, 0)
                .entry("etc/note", '0', "", "", 0644, 0, 0, Map.of("user.note", "hello".getBytes(StandardCharsets.UTF_8)), 0, 0)
                .symlink("bin/sh", "busybox")
                .entry("dev/null", '3', "", "", 0666, 0, 0, Map.of(), 1, 3)
                .entry("run/fifo", '6', "", "", 0600, 0, 0, Map.of(), 0, 0)
                .dir("opt").file("opt/.wh..wh..opq", "")
                .file("etc/.wh.gone", "")
                .build(tmp);
    }

    private List<Map<String, Object>> entries() {
        LayerVerification v = new LayerVerifier().verify(b.job());
        assertEquals(LayerVerification.Outcome.VERIFIED, v.outcome(), "metadata is not in the digest");
        return v.damagedEntries().stream().map(DamagedFile::toEntryEvidence).toList();
    }

    @Test
    void aLayerAsDockerdExtractsItHasNoFinding() {
        assertEquals(List.of(), entries());
    }

    @Test
    void modeOwnerLinkTargetDeviceAndXattrsChangedOnDiskAreEachNamed() throws Exception {
        Path d = b.diffDir();
        Posix.chmod(d.resolve("bin/su"), 0755); // setuid lost
        Posix.lchown(d.resolve("home/u"), 0, 1001);
        Files.delete(d.resolve("bin/sh"));
        Files.createSymbolicLink(d.resolve("bin/sh"), Path.of("/tmp/evil"));
        Posix.setXattr(d.resolve("etc/note"), "user.note", "bye".getBytes(StandardCharsets.UTF_8));
        Posix.removeXattr(d.resolve("bin/ping"), "security.capability");
        Posix.setXattr(d.resolve("tmp"), "user.extra", new byte[] {1});
        Files.delete(d.resolve("dev/null"));
        Posix.mknod(d.resolve("dev/null"), Posix.S_IFCHR, 0666, 1, 5);
        Posix.chmod(d.resolve("dev/null"), 0666);
        List<Map<String, Object>> e = entries();
        assertEquals(List.of("bin/su mode 4755 0755", "tmp/ xattr null AQ==", "home/u/ uid 1000 0",
                        "bin/ping xattr AQAAAgAgAAAAAAAAAAAAAAAAAAA= null", "etc/note xattr aGVsbG8= Ynll",
                        "bin/sh link_target busybox /tmp/evil", "dev/null device 1,3 1,5"),
                e.stream().map(m -> m.get("name") + " " + m.get("field") + " " + m.get("expected_value") + " " + m.get("actual_value")).toList());
        Map<String, Object> su = e.get(0);
        assertEquals("metadata", su.get("kind"));
        assertEquals("file", su.get("expected"));
        assertEquals("mode: expected 4755, found 0755", su.get("detail"));
        assertEquals("user.extra", e.get(1).get("xattr"));
        assertEquals("directory", e.get(1).get("expected"));
        List<Finding> fs = new LayerVerifier().verify(b.job()).toFindings(tmp);
        assertEquals(List.of(FindingCode.LAYER_ENTRY_MISMATCH), fs.stream().map(Finding::code).toList());
        assertEquals(7, fs.get(0).evidence().get("damaged_entries_total"));
        assertEquals(true, fs.get(0).message().contains("bin/su: metadata (mode: expected 4755, found 0755)"), fs.get(0).message());
    }

    @Test
    void whiteoutsAndOpaqueDirectoriesAreWhatOverlay2Makes() throws Exception {
        Path d = b.diffDir();
        Posix.removeXattr(d.resolve("opt"), "trusted.overlay.opaque"); // the lower layers' opt/ shows through
        Posix.setXattr(d.resolve("home/u"), "trusted.overlay.opaque", new byte[] {'y'}); // hides them
        Files.delete(d.resolve("etc/gone")); // the deleted file of the lower layers is back
        List<Map<String, Object>> e = entries();
        assertEquals(List.of("opt/ xattr trusted.overlay.opaque eQ== null metadata",
                        "etc/gone null null null null missing",
                        "home/u/ xattr trusted.overlay.opaque null eQ== metadata"),
                e.stream().map(m -> m.get("name") + " " + m.get("field") + " " + m.get("xattr") + " "
                        + m.get("expected_value") + " " + m.get("actual_value") + " " + m.get("kind")).toList());
        assertEquals("whiteout", e.get(1).get("expected"));
        Files.writeString(d.resolve("etc/gone"), "");
        assertEquals("etc/gone wrong_type", entries().stream().filter(m -> "etc/gone".equals(m.get("name")))
                .map(m -> m.get("name") + " " + m.get("kind")).findFirst().orElseThrow());
    }

    @Test
    void theHeadersModeIsNotComparedForSymbolicLinksNorAnythingForHardLinks() throws Exception {
        assertEquals(0777, ((Integer) Files.getAttribute(b.diffDir().resolve("bin/sh"), "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 07777);
        assertEquals(List.of(), entries());
    }
}
