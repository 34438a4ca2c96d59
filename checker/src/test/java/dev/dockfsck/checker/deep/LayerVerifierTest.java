package dev.dockfsck.checker.deep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.checker.deep.LayerVerification.Outcome;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.tarsplit.TarSplitException;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerVerifierTest {
    @TempDir
    Path tmp;

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static TestLayer sample() {
        return new TestLayer()
                .dir("etc")
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
                .file("etc/empty", "")
                .dir("usr")
                .dir("usr/bin")
                .file("usr/bin/tool", bytes(3 * LayerVerifier.BUFFER_SIZE + 77, 1))
                .symlink("usr/bin/alias", "tool")
                .hardlink("usr/bin/tool2", "usr/bin/tool")
                .file("usr/bin/small", bytes(513, 2))
                .file("top", "x");
    }

    static LayerVerification verify(LayerJob job) {
        return new LayerVerifier().verify(job);
    }

    static DamagedFile only(LayerVerification v) {
        assertEquals(Outcome.CONTENT_MISMATCH, v.outcome(), v.toString());
        assertEquals(1, v.damaged().size(), v.damaged().toString());
        return v.damaged().get(0);
    }

    @Test
    void healthyLayerVerifies() throws IOException {
        TestLayer.Built b = sample().build(tmp);
        LayerVerification v = verify(b.job());
        assertEquals(Outcome.VERIFIED, v.outcome(), v.toString());
        assertEquals(b.diffId(), v.actualDigest());
        assertEquals(b.tar().length, v.tarBytes());
        assertEquals(3L * LayerVerifier.BUFFER_SIZE + 77 + 513 + 1 + 30, v.contentBytes());
        assertEquals(List.of(), v.damagedEntries());
        assertTrue(v.toFindings(tmp).isEmpty());
    }

    /**
     * Entries without content: the digest cannot see them (docker save takes their headers from
     * the tar-split), so each is checked on disk for existence and type. Whiteouts are left alone
     * (overlay2 turns them into other things).
     */
    @Test
    void entriesWithoutContentAreCheckedForExistenceAndType() throws IOException {
        TestLayer.Built b = new TestLayer().dir("./").dir("a").dir("a/empty").file("a/f", "x").file("a/zero", "")
                .symlink("a/l", "f").hardlink("a/h", "a/f").dir("a/keep").build(tmp);
        LayerVerification clean = verify(b.job());
        assertEquals(Outcome.VERIFIED, clean.outcome());
        assertEquals(List.of(), clean.damagedEntries());
        Path d = b.diffDir();
        Files.delete(d.resolve("a/empty"));
        Files.writeString(d.resolve("a/zero"), "abc");
        Files.delete(d.resolve("a/l"));
        Files.createDirectory(d.resolve("a/l"));
        Files.delete(d.resolve("a/h"));
        LayerVerification v = verify(b.job());
        assertEquals(Outcome.VERIFIED, v.outcome(), "the digest cannot see entries without content");
        assertEquals(List.of("a/empty/: missing (expected a directory)",
                        "a/zero: wrong_type (expected an empty regular file, found a regular file of 3 bytes)",
                        "a/l: wrong_type (expected a symbolic link, found a directory)",
                        "a/h: missing (expected a hard link (a regular file))"),
                v.damagedEntries().stream().map(DamagedFile::toEntryString).toList());
        List<dev.dockfsck.checker.Finding> fs = v.toFindings(tmp);
        assertEquals(1, fs.size(), fs.toString());
        assertEquals(dev.dockfsck.checker.FindingCode.LAYER_ENTRY_MISMATCH, fs.get(0).code());
        assertEquals(4, fs.get(0).evidence().get("damaged_entries_total"));
        assertEquals("diff", fs.get(0).path());

        // an old-style directory (typeflag NUL, trailing '/') is a directory
        TestLayer.Built old = new TestLayer().oldStyleDir("od").file("od/f", "1").oldStyleDir("od/sub").build(tmp.resolve("old"));
        assertEquals(List.of(), verify(old.job()).damagedEntries());
        Files.delete(old.diffDir().resolve("od/sub"));
        assertEquals(List.of("od/sub/: missing (expected a directory)"),
                verify(old.job()).damagedEntries().stream().map(DamagedFile::toEntryString).toList());

        // a content file damaged as well: both findings, each with its own list
        Files.writeString(d.resolve("a/f"), "y");
        List<dev.dockfsck.checker.Finding> both = verify(b.job()).toFindings(tmp);
        assertEquals(List.of(dev.dockfsck.checker.FindingCode.LAYER_CONTENT_MISMATCH, dev.dockfsck.checker.FindingCode.LAYER_ENTRY_MISMATCH),
                both.stream().map(dev.dockfsck.checker.Finding::code).toList());
    }

    @Test
    void healthyLayerVerifiesOnJimfs() throws IOException {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path root = fs.getPath("/store");
            Files.createDirectories(root);
            TestLayer.Built b = sample().build(root);
            assertEquals(Outcome.VERIFIED, verify(b.job()).outcome());
            Files.write(b.diffDir().resolve("etc/passwd"), TestLayer.b("root:x:0:0:root:/root:/bin/bash"));
            DamagedFile d = only(verify(b.job()));
            assertEquals("etc/passwd", d.name());
            assertEquals(DamageKind.WRONG_SIZE, d.kind());
        }
    }

    @Test
    void dotSlashNamesAsTarWritesThemVerify() throws IOException {
        TestLayer.Built b = new TestLayer().dir("./").dir("./x").file("./x/y", "1").file("x//z", "22").file("./top", "333")
                .build(tmp);
        assertEquals(Outcome.VERIFIED, verify(b.job()).outcome());
        Files.delete(b.diffDir().resolve("x/z"));
        DamagedFile d = only(verify(b.job()));
        assertEquals("x//z", d.name());
        assertEquals(DamageKind.MISSING, d.kind());
    }

    @Test
    void zeroLengthFileIsWrongSize() throws IOException {
        TestLayer.Built b = sample().build(tmp);
        Files.write(b.diffDir().resolve("usr/bin/tool"), new byte[0]);
        DamagedFile d = only(verify(b.job()));
        assertEquals("usr/bin/tool", d.name());
        assertEquals(DamageKind.WRONG_SIZE, d.kind());
        assertEquals(3L * LayerVerifier.BUFFER_SIZE + 77, d.expectedSize());
        assertEquals(0, d.actualSize());
    }

    @Test
    void truncatedFileIsWrongSize() throws IOException {
        TestLayer.Built b = sample().build(tmp);
        Path p = b.diffDir().resolve("usr/bin/small");
        Files.write(p, Arrays.copyOf(Files.readAllBytes(p), 100));
        DamagedFile d = only(verify(b.job()));
        assertEquals("usr/bin/small", d.name());
        assertEquals(DamageKind.WRONG_SIZE, d.kind());
        assertEquals(513, d.expectedSize());
        assertEquals(100, d.actualSize());
    }

    @Test
    void sixteenBytesChangedAtSameSizeIsContentDiffers() throws IOException {
        TestLayer.Built b = sample().build(tmp);
        Path p = b.diffDir().resolve("usr/bin/tool");
        byte[] c = Files.readAllBytes(p);
        for (int i = 0; i < 16; i++) {
            c[LayerVerifier.BUFFER_SIZE + 5 + i] ^= 0x11;
        }
        Files.write(p, c);
        LayerVerification v = verify(b.job());
        DamagedFile d = only(v);
        assertEquals("usr/bin/tool", d.name());
        assertEquals(DamageKind.CONTENT_DIFFERS, d.kind());
        assertEquals(d.expectedSize(), d.actualSize());
        assertTrue(!v.actualDigest().equals(b.diffId()));
    }

    @Test
    void deletedFileIsMissing() throws IOException {
        TestLayer.Built b = sample().build(tmp);
        Files.delete(b.diffDir().resolve("top"));
        DamagedFile d = only(verify(b.job()));
        assertEquals("top", d.name());
        assertEquals(DamageKind.MISSING, d.kind());
        assertEquals(1, d.expectedSize());
        assertEquals(-1, d.actualSize());
    }

    @Test
    void fileReplacedBySymlinkToIdenticalContentIsNotRegular() throws IOException {
        TestLayer.Built b = sample().build(tmp);
        Path p = b.diffDir().resolve("usr/bin/small");
        Path outside = tmp.resolve("outside-copy");
        Files.copy(p, outside);
        Files.delete(p);
        Files.createSymbolicLink(p, outside);
        DamagedFile d = only(verify(b.job()));
        assertEquals("usr/bin/small", d.name());
        assertEquals(DamageKind.NOT_REGULAR, d.kind());
        assertTrue(d.detail().startsWith("a symbolic link to "), d.detail());
    }

    @Test
    void symlinkedParentDirectoryIsNeverReadThrough() throws IOException {
        TestLayer.Built b = sample().build(tmp);
        Path bin = b.diffDir().resolve("usr/bin");
        Path elsewhere = tmp.resolve("elsewhere");
        Files.move(bin, elsewhere);
        Files.createSymbolicLink(bin, elsewhere); // same files, reached through a link
        LayerVerification v = verify(b.job());
        assertEquals(Outcome.CONTENT_MISMATCH, v.outcome());
        List<String> names = v.damaged().stream().map(DamagedFile::name).toList();
        assertEquals(List.of("usr/bin/tool", "usr/bin/small"), names);
        for (DamagedFile d : v.damaged()) {
            assertEquals(DamageKind.NOT_REGULAR, d.kind());
            assertTrue(d.detail().contains("parent usr/bin is a symbolic link"), d.detail());
        }
        assertEquals(31, v.contentBytes(), "only etc/passwd and top may be read");
    }

    @Test
    void directoryAndFifoWhereAFileIsExpectedAreNotRegular() throws Exception {
        TestLayer.Built b = sample().build(tmp);
        Path small = b.diffDir().resolve("usr/bin/small");
        Files.delete(small);
        Files.createDirectory(small);
        Path top = b.diffDir().resolve("top");
        Files.delete(top);
        Process mk = new ProcessBuilder("mkfifo", top.toString()).inheritIO().start();
        assertEquals(0, mk.waitFor());
        LayerVerification v = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> verify(b.job()));
        assertEquals(2, v.damaged().size(), v.damaged().toString());
        assertEquals(DamageKind.NOT_REGULAR, v.damaged().get(0).kind());
        assertEquals("a directory", v.damaged().get(0).detail());
        assertEquals("top", v.damaged().get(1).name());
        assertEquals("a FIFO", v.damaged().get(1).detail());
    }

    @Test
    void unsafeNamesAreNeverRead() throws IOException {
        Path secret = tmp.resolve("secret");
        Files.writeString(secret, "s");
        TestLayer layer = new TestLayer().file("a", "1");
        TestLayer.Built b = layer.build(tmp.resolve("layer"));
        // a tar-split that names ../../secret and an absolute path: re-written by hand
        TestLayer evil = new TestLayer().file("a", "1").file("../../secret", "s").file("/etc/hostname", "h")
                .file("x/./../../secret", "s");
        try (var os = Files.newOutputStream(b.tarSplit());
             var w = new dev.dockfsck.model.tarsplit.TarSplitWriter(os)) {
            evil.writeTar(w);
        }
        LayerVerification v = verify(b.job());
        assertEquals(Outcome.CONTENT_MISMATCH, v.outcome());
        assertEquals(3, v.damaged().size(), v.damaged().toString());
        for (DamagedFile d : v.damaged()) {
            assertEquals(DamageKind.UNSAFE_NAME, d.kind(), d.toString());
        }
        assertEquals(1, v.contentBytes(), "only 'a' is read");
    }

    @Test
    void damageInSegmentsOnlyIsReportedAsSuch() throws IOException {
        TestLayer.Built b = sample().build(tmp);
        // another layer whose headers differ (a different mtime would do; here: another DiffID)
        LayerJob wrongId = new LayerJob(b.diffId(), Digest.sha256Of(new byte[] {1}), b.diffDir(), b.tarSplit(), -1);
        LayerVerification v = verify(wrongId);
        assertEquals(Outcome.CONTENT_MISMATCH, v.outcome());
        assertTrue(v.segmentDamage());
        Finding f = v.toFindings(tmp).get(0);
        assertEquals(FindingCode.LAYER_CONTENT_MISMATCH, f.code());
        assertEquals(true, f.evidence().get("segment_damage"));
        assertTrue(f.message().contains("raw segments"), f.message());
    }

    @Test
    void truncatedTarSplitIsCorruptNotACrash() throws IOException {
        TestLayer.Built b = sample().build(tmp);
        byte[] gz = Files.readAllBytes(b.tarSplit());
        Files.write(b.tarSplit(), Arrays.copyOf(gz, gz.length / 2));
        LayerVerification v = verify(b.job());
        assertEquals(Outcome.TAR_SPLIT_CORRUPT, v.outcome());
        assertNull(v.actualDigest());
        assertNotNull(v.tarSplitError());
        List<Finding> fs = v.toFindings(tmp);
        assertEquals(1, fs.size());
        Finding f = fs.get(0);
        assertEquals(FindingCode.LAYER_TAR_SPLIT_CORRUPT, f.code());
        assertEquals(Subject.layer(b.diffId()), f.subject());
        assertEquals("tar-split.json.gz", f.path());
        assertEquals(v.tarSplitError().kind().label(), f.evidence().get("error"));
    }

    @Test
    void garbledTarSplitIsCorrupt() throws IOException {
        TestLayer.Built b = sample().build(tmp);
        try (var os = new java.util.zip.GZIPOutputStream(Files.newOutputStream(b.tarSplit()))) {
            os.write(TestLayer.b("{\"type\":2,\"payload\":\"AAAA\",\"position\":0}\n{\"type\":1,\"name\":\"top\",\"size\":\"1\"}\n"));
        }
        LayerVerification v = verify(b.job());
        assertEquals(Outcome.TAR_SPLIT_CORRUPT, v.outcome());
        assertEquals(TarSplitException.Kind.WRONG_TYPE, v.tarSplitError().kind());
        assertEquals(1, v.tarSplitError().entryIndex());
        assertEquals(1L, v.toFindings(null).get(0).evidence().get("entry"));
    }

    @Test
    void missingTarSplitIsItsOwnOutcome() throws IOException {
        TestLayer.Built b = sample().build(tmp);
        Files.delete(b.tarSplit());
        LayerVerification v = verify(b.job());
        assertEquals(Outcome.TAR_SPLIT_MISSING, v.outcome());
        assertEquals(FindingCode.LAYER_TAR_SPLIT_MISSING, v.toFindings(tmp).get(0).code());
    }

    @Test
    void unreadableFileIsReported() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeFalse("root".equals(System.getProperty("user.name")),
                "root reads files whatever their mode");
        TestLayer.Built b = sample().build(tmp);
        Path p = b.diffDir().resolve("top");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("---------"));
        assertEquals(DamageKind.UNREADABLE, only(verify(b.job())).kind());
    }

    @Test
    void missingDiffDirMakesEveryFileMissing() throws IOException {
        TestLayer.Built b = new TestLayer().dir("d").file("d/f", "1").file("g", "2").build(tmp);
        Files.walk(b.diffDir()).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        LayerVerification v = verify(b.job());
        assertEquals(2, v.damaged().size());
        assertTrue(v.damaged().stream().allMatch(d -> d.kind() == DamageKind.MISSING));
        assertEquals("diff/ is missing", v.damaged().get(1).detail());
    }

    @Test
    void findingCarriesFullEvidence() throws IOException {
        TestLayer.Built b = sample().build(tmp);
        Files.delete(b.diffDir().resolve("etc/passwd"));
        Files.write(b.diffDir().resolve("top"), TestLayer.b("xyz"));
        Digest chain = Digest.sha256Of(TestLayer.b("chain"));
        LayerVerification v = verify(b.job(chain));
        List<Finding> fs = v.toFindings(tmp);
        assertEquals(1, fs.size());
        Finding f = fs.get(0);
        assertEquals(FindingCode.LAYER_CONTENT_MISMATCH, f.code());
        assertEquals(Subject.layer(chain), f.subject());
        assertEquals("diff", f.path());
        assertEquals(b.diffId().toString(), f.evidence().get("expected_diff_id"));
        assertEquals(v.actualDigest().toString(), f.evidence().get("actual_digest"));
        assertEquals(2, f.evidence().get("damaged_files_total"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> files = (List<Map<String, Object>>) f.evidence().get("damaged_files");
        assertEquals(Map.of("name", "etc/passwd", "kind", "missing", "expected_size", 30L, "actual_size", -1L), files.get(0));
        assertEquals(Map.of("name", "top", "kind", "wrong_size", "expected_size", 1L, "actual_size", 3L), files.get(1));
        assertTrue(f.message().startsWith("2 damaged files in the layer: etc/passwd: missing"), f.message());
    }

    @Test
    void verifyAllIsOrderedByChainIdAndReportsProgress() throws IOException {
        List<LayerJob> jobs = new ArrayList<>();
        List<Digest> chains = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            TestLayer.Built b = new TestLayer().file("f" + i, bytes(100_000 * (i + 1), i)).build(tmp.resolve("l" + i));
            if (i == 3) {
                Files.write(b.diffDir().resolve("f3"), new byte[5]);
            }
            Digest chain = Digest.sha256Of(TestLayer.b("c" + i));
            chains.add(chain);
            jobs.add(new LayerJob(chain, b.diffId(), b.diffDir(), b.tarSplit(), 100_000L * (i + 1)));
        }
        List<long[]> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        List<LayerVerification> rs = LayerVerifier.verifyAll(jobs, 2, (done, total) -> seen.add(new long[] {done, total}));
        assertEquals(7, rs.size());
        List<Digest> sorted = new ArrayList<>(chains);
        sorted.sort(null);
        assertEquals(sorted, rs.stream().map(r -> r.job().chainId()).toList());
        for (LayerVerification r : rs) {
            boolean damaged = r.job().chainId().equals(chains.get(3));
            assertEquals(damaged ? Outcome.CONTENT_MISMATCH : Outcome.VERIFIED, r.outcome());
        }
        long total = 100_000L * 28;
        long[] last = seen.get(seen.size() - 1);
        assertEquals(total, last[1]);
        assertEquals(total, last[0]);
        // same answers on one thread
        assertEquals(rs.stream().map(LayerVerification::outcome).toList(),
                LayerVerifier.verifyAll(jobs, 1, null).stream().map(LayerVerification::outcome).toList());
    }
}
