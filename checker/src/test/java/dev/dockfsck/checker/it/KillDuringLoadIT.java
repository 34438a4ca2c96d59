package dev.dockfsck.checker.it;

import static dev.dockfsck.checker.Expect.c;
import static dev.dockfsck.checker.Expect.check;
import static dev.dockfsck.checker.Expect.describe;
import static dev.dockfsck.checker.Expect.exactly;
import static dev.dockfsck.checker.Expect.f;
import static dev.dockfsck.checker.Expect.one;
import static dev.dockfsck.checker.Expect.path;
import static dev.dockfsck.checker.Expect.summary;
import static dev.dockfsck.checker.FindingCode.ORPHAN_CACHE_DIR;
import static dev.dockfsck.checker.FindingCode.STALE_IMPORT_TMP;
import static dev.dockfsck.checker.FindingCode.STALE_WRITE_SET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.Expect;
import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.Severity;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.tarsplit.GoJson;
import dev.dockfsck.model.Digest;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a real dockerd (and its containerd) in the middle of {@code docker load} of a
 * large image, on a copy of the golden store: the checker reports exactly the leftovers dockerd
 * never cleans up (the half-extracted overlay2 dir, the uncommitted write-set, the archive copy)
 * with their sizes, and nothing that damages the images and the container already there. No
 * process and no mount survive the test.
 */
class KillDuringLoadIT {
    static final int LAYER_BYTES = 256 * 1024 * 1024;

    @TempDir
    Path tmp;

    @Test
    void killDuringExtractionLeavesOnlyLeftovers() throws Exception {
        GoldenCopy g = GoldenCopy.at(tmp.resolve("root"));
        Path archive = bigImageArchive(tmp.resolve("big.tar"));
        Path overlay2 = g.root.resolve("overlay2");
        Set<String> before = names(overlay2);
        Path wsDir = g.root.resolve("image/overlay2/layerdb/tmp");

        Dockerd d = Dockerd.start(tmp.resolve("work"), g.root);
        Path runDir = d.socket().getParent();
        List<ProcessHandle> family = new ArrayList<>();
        String newDir;
        CompletableFuture<Dockerd.Result> load;
        try {
            load = CompletableFuture.supplyAsync(() -> d.docker("load", "-q", "-i", archive.toString()));
            // wait until the layer is being extracted: a write-set exists and the new dir holds bytes
            newDir = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline && !load.isDone()) {
                if (!writeSets(wsDir).isEmpty()) {
                    newDir = names(overlay2).stream().filter(n -> !before.contains(n)).findFirst().orElse(null);
                    if (newDir != null && bytesBelow(overlay2.resolve(newDir).resolve("diff")) > 0) {
                        break;
                    }
                }
                Thread.sleep(2);
            }
            assertFalse(load.isDone(), "docker load finished before it could be interrupted: "
                    + (load.isDone() ? load.join() : ""));
            assertNotNull(newDir, "no layer extraction seen\n" + d.logTail());
            ProcessHandle.of(d.pid()).ifPresent(h -> {
                family.add(h);
                h.descendants().forEach(family::add);
            });
            assertTrue(family.stream().anyMatch(h -> h.info().command().orElse("").endsWith("containerd")),
                    "dockerd runs its own containerd: " + family.stream().map(h -> h.info().command().orElse("?")).toList());
        } finally {
            d.kill9();
        }
        Dockerd.Result r = load.get(60, TimeUnit.SECONDS);
        assertFalse(r.ok(), "the load must have failed: " + r);

        // nothing left running or mounted
        for (ProcessHandle h : family) {
            assertTrue(h.onExit().get(10, TimeUnit.SECONDS) != null && !h.isAlive(), "still alive: " + h.pid());
        }
        assertTrue(ProcessHandle.allProcesses().noneMatch(h -> h.info().commandLine()
                        .map(cl -> cl.contains(g.root.toString()) || cl.contains(runDir.toString())).orElse(false)),
                "a process still names the data root or run dir");
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mp = line.split(" ")[4];
            assertFalse(mp.startsWith(g.root.toRealPath().toString()) || mp.startsWith(runDir.toString()),
                    "still mounted: " + mp);
        }

        List<Path> ws = writeSets(wsDir);
        assertEquals(1, ws.size(), "one write-set left: " + ws);
        String wsRel = "image/overlay2/layerdb/tmp/" + ws.get(0).getFileName();
        List<Path> imports = importTmps(g.root.resolve("tmp"));
        // the archive is unpacked whole into tmp/docker-import-N before any layer is extracted
        assertEquals(1, imports.size(), "one import tmp dir left: " + imports);
        String cacheRel = "overlay2/" + newDir;
        long extracted = GoldenCopy.du(g.root.resolve(cacheRel));

        Report report = check(g.root);
        System.out.println("KillDuringLoadIT: " + imports.size() + " import tmp dir(s), " + extracted
                + " bytes extracted when killed\n" + describe(report));
        List<Expect.F> expected = new ArrayList<>();
        expected.add(f(ORPHAN_CACHE_DIR, path(cacheRel), cacheRel));
        expected.add(f(STALE_WRITE_SET, path(wsRel), wsRel));
        for (Path i : imports) {
            String rel = "tmp/" + i.getFileName();
            expected.add(f(STALE_IMPORT_TMP, path(rel), rel));
        }
        exactly(report, expected.toArray(Expect.F[]::new));
        Finding orphan = one(report, ORPHAN_CACHE_DIR);
        assertTrue((Long) orphan.evidence().get("bytes") > 0, describe(report));
        assertEquals(extracted, orphan.evidence().get("bytes"));
        assertEquals(newDir, orphan.evidence().get("cache_dir"));
        assertTrue((Long) one(report, STALE_IMPORT_TMP).evidence().get("bytes") >= LAYER_BYTES, describe(report));
        assertEquals(GoldenCopy.du(ws.get(0)), one(report, STALE_WRITE_SET).evidence().get("bytes"));
        long total = 0;
        for (Finding f : report.findings()) {
            assertEquals(Severity.WARNING, f.severity(), "leftovers only: " + f);
            assertTrue(f.affects().isEmpty());
            total += (Long) f.evidence().get("bytes");
        }
        assertEquals(total, report.summary().bytesReclaimable());
        assertTrue(report.damaged().isEmpty(), describe(report));
        summary(report, c(3, 3, 0), c(6, 6, 0), c(1, 1, 0), 0, expected.size(), 0);
        // and the layers that were there before the load still prove their content
        exactly(check(g.root, true), expected.toArray(Expect.F[]::new));
    }

    static Set<String> names(Path dir) throws IOException {
        Set<String> out = new HashSet<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> out.add(p.getFileName().toString()));
        }
        return out;
    }

    static List<Path> writeSets(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("write-set-")).sorted().toList();
        }
    }

    static List<Path> importTmps(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("docker-import-")).sorted().toList();
        }
    }

    static long bytesBelow(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    /**
     * A docker-archive of one image whose single layer holds one {@value #LAYER_BYTES}-byte file of
     * pseudo-random bytes, written streaming (the layer tar first, hashed on the way, for its diffID).
     */
    static Path bigImageArchive(Path archive) throws Exception {
        Path layer = archive.resolveSibling("layer.tar");
        MessageDigest sha = Digest.newSha256();
        try (OutputStream f = new BufferedOutputStream(Files.newOutputStream(layer), 1 << 20);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(new DigestOutputStream(f, sha))) {
            TarArchiveEntry dir = new TarArchiveEntry("data/");
            dir.setMode(040755);
            dir.setModTime(1_700_000_000_000L);
            tar.putArchiveEntry(dir);
            tar.closeArchiveEntry();
            TarArchiveEntry e = new TarArchiveEntry("data/big.bin");
            e.setMode(0100644);
            e.setSize(LAYER_BYTES);
            e.setModTime(1_700_000_000_000L);
            tar.putArchiveEntry(e);
            Random rnd = new Random(99);
            byte[] buf = new byte[1 << 20];
            for (int i = 0; i < LAYER_BYTES / buf.length; i++) {
                rnd.nextBytes(buf);
                tar.write(buf);
            }
            tar.closeArchiveEntry();
            tar.finish();
        }
        Digest diffId = Digest.ofRawSha256(sha.digest());
        byte[] config = ("{\"architecture\":\"amd64\",\"config\":{\"Cmd\":[\"sh\"]},\"created\":\"2023-11-14T22:13:20Z\","
                + "\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + GoJson.quote(diffId.toString())
                + "]}}").getBytes(StandardCharsets.UTF_8);
        Digest imageId = Digest.sha256Of(config);
        byte[] manifest = ("[{\"Config\":\"" + imageId.hex() + ".json\",\"RepoTags\":[\"dockfsck/big:1\"],\"Layers\":[\""
                + diffId.hex() + "/layer.tar\"]}]").getBytes(StandardCharsets.UTF_8);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(
                new BufferedOutputStream(Files.newOutputStream(archive), 1 << 20))) {
            // the layer first: dockerd copies the whole archive before it reads manifest.json
            TarArchiveEntry le = new TarArchiveEntry(diffId.hex() + "/layer.tar");
            le.setSize(Files.size(layer));
            le.setMode(0100644);
            tar.putArchiveEntry(le);
            try (InputStream in = Files.newInputStream(layer)) {
                in.transferTo(tar);
            }
            tar.closeArchiveEntry();
            for (Object[] f : new Object[][] {{imageId.hex() + ".json", config}, {"manifest.json", manifest}}) {
                TarArchiveEntry e = new TarArchiveEntry((String) f[0]);
                byte[] b = (byte[]) f[1];
                e.setSize(b.length);
                e.setMode(0100644);
                tar.putArchiveEntry(e);
                tar.write(b);
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
        Files.delete(layer);
        return archive;
    }
}
