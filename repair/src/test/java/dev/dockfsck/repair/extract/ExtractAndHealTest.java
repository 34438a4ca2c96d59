package dev.dockfsck.repair.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.fs.Posix;
import dev.dockfsck.model.tarsplit.TarSplitAssembler;
import dev.dockfsck.repair.apply.ApplyContext;
import dev.dockfsck.repair.apply.RootedFs;
import dev.dockfsck.repair.plan.RestoreEntryMetadata;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A layer tar read once (tar-split packed, entries extracted) gives a diff/ that re-assembles with
 * that tar-split to the exact tar: what re-extraction puts back is the layer dockerd registered.
 * Then metadata changed on disk (mode, owner, xattr, link target, a lost FIFO) is healed in place
 * from the tar-split's own headers.
 */
class ExtractAndHealTest {
    @TempDir
    Path root;
    byte[] tar;
    Digest diffId;

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(Posix.available() && "root".equals(System.getProperty("user.name")), "needs libc and root");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            dir(t, "usr/", 0755);
            dir(t, "usr/bin/", 0755);
            TarArchiveEntry su = new TarArchiveEntry("usr/bin/su");
            su.setMode(04755);
            su.setSize(3);
            su.addPaxHeader("SCHILY.xattr.user.tag", "v1");
            t.putArchiveEntry(su);
            t.write("elf".getBytes(StandardCharsets.US_ASCII));
            t.closeArchiveEntry();
            TarArchiveEntry ln = new TarArchiveEntry("usr/bin/sh", TarConstants.LF_SYMLINK);
            ln.setLinkName("su");
            t.putArchiveEntry(ln);
            t.closeArchiveEntry();
            TarArchiveEntry fifo = new TarArchiveEntry("usr/fifo", TarConstants.LF_FIFO);
            fifo.setMode(0640);
            fifo.setIds(5, 6);
            t.putArchiveEntry(fifo);
            t.closeArchiveEntry();
            TarArchiveEntry wh = new TarArchiveEntry("usr/.wh.old");
            wh.setMode(0);
            t.putArchiveEntry(wh);
            t.closeArchiveEntry();
        }
        tar = b.toByteArray();
        diffId = Digest.sha256Of(tar);
    }

    private static void dir(TarArchiveOutputStream t, String name, int mode) throws IOException {
        TarArchiveEntry d = new TarArchiveEntry(name);
        d.setMode(mode);
        t.putArchiveEntry(d);
        t.closeArchiveEntry();
    }

    /** Extracts the tar into overlay2/x/diff and writes its tar-split to the layerdb path. */
    private Path extract() throws IOException {
        Path diff = Files.createDirectories(root.resolve("overlay2/x/diff"));
        Path ts = Files.createDirectories(root.resolve("image/overlay2/layerdb/sha256/c")).resolve("tar-split.json.gz");
        DiffWriter w = new DiffWriter(diff);
        try (OutputStream out = Files.newOutputStream(ts)) {
            assertEquals(diffId, LayerTar.read(new ByteArrayInputStream(tar), out, w::entry).diffId());
        }
        w.finish();
        return diff;
    }

    @Test
    void theExtractedLayerReassemblesToTheExactTar() throws Exception {
        Path diff = extract();
        Digest again = TarSplitAssembler.digest(root.resolve("image/overlay2/layerdb/sha256/c/tar-split.json.gz"),
                TarSplitAssembler.ContentSource.diffDir(diff)).sha256();
        assertEquals(diffId, again);
        assertEquals(Posix.S_IFCHR, ((Number) Files.getAttribute(diff.resolve("usr/old"), "unix:mode",
                LinkOption.NOFOLLOW_LINKS)).intValue() & Posix.S_IFMT, "the whiteout is a char device");
    }

    @Test
    void metadataChangedOnDiskIsRestoredFromTheTarSplit() throws Exception {
        Path diff = extract();
        Path su = diff.resolve("usr/bin/su");
        Posix.lchown(su, 1000, 1000); // clears set-uid
        Posix.removeXattr(su, "user.tag");
        Posix.setXattr(su, "user.extra", new byte[] {1});
        Files.delete(diff.resolve("usr/bin/sh"));
        Files.createSymbolicLink(diff.resolve("usr/bin/sh"), Path.of("elsewhere"));
        Files.delete(diff.resolve("usr/fifo"));

        new RestoreEntryMetadata("c", "overlay2/x/diff", "image/overlay2/layerdb/sha256/c/tar-split.json.gz",
                List.of("usr/bin/su", "usr/bin/sh", "usr/fifo"), List.of("test"))
                .apply(new ApplyContext(new RootedFs(root), root.resolve("state")));

        assertEquals(04755, ((Number) Files.getAttribute(su, "unix:mode")).intValue() & 07777);
        assertEquals(0, ((Number) Files.getAttribute(su, "unix:uid")).intValue());
        assertEquals("v1", new String(Posix.getXattr(su, "user.tag").orElseThrow(), StandardCharsets.UTF_8));
        assertFalse(Posix.getXattr(su, "user.extra").isPresent(), "an xattr the header lacks goes");
        assertEquals("su", Files.readSymbolicLink(diff.resolve("usr/bin/sh")).toString());
        Path fifo = diff.resolve("usr/fifo");
        assertEquals(Posix.S_IFIFO | 0640, ((Number) Files.getAttribute(fifo, "unix:mode", LinkOption.NOFOLLOW_LINKS)).intValue());
        assertEquals(5, ((Number) Files.getAttribute(fifo, "unix:uid", LinkOption.NOFOLLOW_LINKS)).intValue());
        assertTrue(Files.exists(diff.resolve("usr/bin/su")));
        // and the layer is the one it was
        assertEquals(diffId, TarSplitAssembler.digest(root.resolve("image/overlay2/layerdb/sha256/c/tar-split.json.gz"),
                TarSplitAssembler.ContentSource.diffDir(diff)).sha256());
    }

    private ApplyContext withBlob() {
        dev.dockfsck.repair.apply.LayerBlobSource blobs = new dev.dockfsck.repair.apply.LayerBlobSource() {
            @Override
            public String location() {
                return "test-store";
            }

            @Override
            public java.util.Optional<String> blobFor(Digest d) {
                return d.equals(diffId) ? java.util.Optional.of("blob") : java.util.Optional.empty();
            }

            @Override
            public java.io.InputStream openLayer(Digest d) {
                return new ByteArrayInputStream(tar);
            }
        };
        return new ApplyContext(new RootedFs(root), root.resolve("state"), java.util.Optional.of(blobs));
    }

    private static final String TS = "image/overlay2/layerdb/sha256/c/tar-split.json.gz";

    @Test
    void aHealedFileGetsItsOwnerModeAndXattrsBack() throws Exception {
        Path diff = extract();
        Path su = diff.resolve("usr/bin/su");
        Files.delete(su); // lost, with its set-uid bit and xattr
        new dev.dockfsck.repair.plan.HealLayerFiles("c", "overlay2/x/diff", diffId.toString(), "test-store",
                List.of("usr/bin/su"), List.of(), List.of("t")).apply(withBlob());
        assertEquals("elf", Files.readString(su));
        assertEquals(04755, ((Number) Files.getAttribute(su, "unix:mode")).intValue() & 07777);
        assertEquals("v1", new String(Posix.getXattr(su, "user.tag").orElseThrow(), StandardCharsets.UTF_8),
                "the PAX SCHILY.xattr record is restored with the content");
        assertEquals(diffId, TarSplitAssembler.digest(root.resolve(TS), TarSplitAssembler.ContentSource.diffDir(diff)).sha256());
    }

    @Test
    void aLostTarSplitIsRebuiltFromTheBlobAndProvenAgainstDiff() throws Exception {
        Path diff = extract();
        byte[] original = Files.readAllBytes(root.resolve(TS));
        Files.write(root.resolve(TS), new byte[0]);
        new dev.dockfsck.repair.plan.RebuildTarSplit("c", TS, "overlay2/x/diff", diffId.toString(), "test-store", List.of("t"))
                .apply(withBlob());
        assertEquals(java.util.Arrays.toString(original), java.util.Arrays.toString(Files.readAllBytes(root.resolve(TS))),
                "the packer writes what it wrote at extraction");
        assertEquals(diffId, TarSplitAssembler.digest(root.resolve(TS), TarSplitAssembler.ContentSource.diffDir(diff)).sha256());
    }

    @Test
    void aTarSplitThatDiffDoesNotMatchIsNotPutInPlace() throws Exception {
        Path diff = extract();
        Files.delete(root.resolve(TS));
        Files.writeString(diff.resolve("usr/bin/su"), "ELF"); // same size, other bytes
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(dev.dockfsck.repair.apply.NotRepairedException.class, () ->
                new dev.dockfsck.repair.plan.RebuildTarSplit("c", TS, "overlay2/x/diff", diffId.toString(), "test-store",
                        List.of("t")).apply(withBlob()));
        assertTrue(e.getMessage().contains("re-assemble") && e.getMessage().contains("usr/bin/su"), e.getMessage());
        assertFalse(Files.exists(root.resolve(TS)), "nothing put in place");
        try (var l = Files.list(root.resolve("image/overlay2/layerdb/sha256/c"))) {
            assertEquals(0, l.count(), "no temp file left");
        }
    }
}
