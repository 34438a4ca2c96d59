package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dockfsck.checker.Checker;
import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.TarSplitContentVerifier;
import dev.dockfsck.checker.ContentVerifier;
import dev.dockfsck.cli.Main;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import dev.dockfsck.fixtures.image.BuiltImage;
import dev.dockfsck.fixtures.image.DockerArchive;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.store.DataRootReader;
import dev.dockfsck.repair.Repairer;
import dev.dockfsck.repair.restore.PendingRestore;
import dev.dockfsck.repair.plan.Plan;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Shared helpers of the repair integration tests: private copies of the golden store (written by
 * the real dockerd), damage in the store's own terms, {@code dockfsck repair} through
 * {@link Main#run} with the volume check every repair test needs, and a private dockerd on the
 * repaired root to prove the result from dockerd's side.
 */
final class RepairIt {
    /** What each sample image prints for {@link #PROBE}: its own files, read through every layer. */
    static final Map<String, String> EXPECTED = Map.of(
            SampleSet.A, "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\npatched=1\n"
                    + "#!/bin/sh\necho patched\n",
            SampleSet.B, "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n<html>b</html>\n",
            SampleSet.C, "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"
                    + "padded to 10240-byte records\n");
    static final Map<String, String> PROBE = Map.of(
            SampleSet.A, "cat /etc/passwd /etc/app.conf /opt/app/run",
            SampleSet.B, "cat /etc/passwd /srv/index.html",
            SampleSet.C, "cat /etc/passwd /data/c.txt");
    static final List<String> ALL = List.of(SampleSet.A, SampleSet.B, SampleSet.C);

    /** dockerd log lines that mean it found the store damaged (layer, image, reference store). */
    static final Pattern STORE_ERROR = Pattern.compile("(?i)layer does not exist|not restoring image|invalid image"
            + "|failed to verify|reference store|failed to load container|failed to register layer|file exists"
            + "|error creating overlay mount|no such file or directory|level=(error|fatal).*(layer|image|overlay|graphdriver)");

    private RepairIt() {
    }

    static GoldenStore golden() throws IOException {
        Dockerd.assumeAvailable();
        return GoldenStore.get();
    }

    /** A private copy of the golden root at {@code dir/root}. */
    static Path copyGolden(Path dir) throws IOException {
        return golden().copyTo(dir.resolve("root"));
    }

    // ------------------------------------------------------------------ the store's own terms

    static Path layerDb(Path root, Digest chainId) {
        return root.resolve("image/overlay2/layerdb/sha256").resolve(chainId.hex());
    }

    static String cacheId(Path root, Digest chainId) throws IOException {
        return Files.readString(layerDb(root, chainId).resolve("cache-id"), StandardCharsets.US_ASCII);
    }

    static Path overlayDir(Path root, Digest chainId) throws IOException {
        return root.resolve("overlay2").resolve(cacheId(root, chainId));
    }

    static String linkId(Path root, Digest chainId) throws IOException {
        return Files.readString(overlayDir(root, chainId).resolve("link"), StandardCharsets.US_ASCII);
    }

    static Path imageConfig(Path root, Digest imageId) {
        return root.resolve("image/overlay2/imagedb/content/sha256").resolve(imageId.hex());
    }

    static Path imageMetadata(Path root, Digest imageId) {
        return root.resolve("image/overlay2/imagedb/metadata/sha256").resolve(imageId.hex());
    }

    static Path repositoriesJson(Path root) {
        return root.resolve("image/overlay2/repositories.json");
    }

    static Digest imageId(String tag) {
        return SampleSet.image(tag).imageId();
    }

    /** chainIDs of a sample image, bottom first. */
    static List<Digest> chain(String tag) {
        return SampleSet.image(tag).chainIds();
    }

    static void truncate(Path file, long size) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    /** {@code rm -rf} (the store holds names Java may not spell). */
    static void rmTree(Path p) throws IOException {
        Process pr = new ProcessBuilder("rm", "-rf", "--one-file-system", p.toString()).inheritIO().start();
        try {
            assertEquals(0, pr.waitFor(), "rm -rf " + p);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static void empty(Path file) throws IOException {
        truncate(file, 0);
    }

    // ------------------------------------------------------------------ dockfsck

    /** The outcome of one {@code dockfsck repair}. */
    record Repaired(int exit, Path root, Path stateDir, Plan plan) {
        /** Image IDs recorded in pending-restore.json (empty when there is no file). */
        Set<String> pendingIds() throws IOException {
            return new PendingRestore(stateDir).read().stream().map(e -> e.imageId().toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        }

        List<PendingRestore.Entry> pending() throws IOException {
            return new PendingRestore(stateDir).read();
        }

        /** Asserts pending-restore.json names exactly these images (by tag), with their tags. */
        void assertPendingExactly(String... tags) throws IOException {
            Set<String> want = Arrays.stream(tags).map(t -> imageId(t).toString())
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(want, pendingIds(), "pending-restore.json must name exactly the removed images");
            for (PendingRestore.Entry e : pending()) {
                String tag = Arrays.stream(tags).filter(t -> imageId(t).equals(e.imageId())).findFirst()
                        .orElseThrow();
                assertEquals(tag, e.name(), "the entry is named by the image's tag");
            }
        }

        long actions(Class<?> type) {
            return plan.actions().stream().filter(type::isInstance).count();
        }
    }

    /**
     * {@code dockfsck repair --root ROOT --state-dir STATE args...} through {@link Main#run}; asserts
     * that volumes/ is byte-for-byte what it was (and the golden volume's file is intact).
     */
    static Repaired repair(Path root, Path stateDir, String... args) throws IOException {
        TreeSnapshot volumesBefore = TreeSnapshot.of(root.resolve("volumes"), true);
        List<String> argv = new ArrayList<>(List.of("repair", "--root", root.toString(), "--state-dir",
                stateDir.toString()));
        argv.addAll(List.of(args));
        int exit = Main.run(argv.toArray(String[]::new));
        assertVolumesUnchanged(root, volumesBefore);
        return new Repaired(exit, root, stateDir, lastPlan(stateDir).orElse(null));
    }

    static void assertVolumesUnchanged(Path root, TreeSnapshot before) throws IOException {
        TreeSnapshot after = TreeSnapshot.of(root.resolve("volumes"), true);
        assertEquals(List.of(), before.diff(after), "repair must never touch volumes/");
        assertArrayEquals(GoldenStore.VOLUME_CONTENT, Files.readAllBytes(root.resolve("volumes")
                .resolve(GoldenStore.VOLUME).resolve("_data").resolve(GoldenStore.VOLUME_FILE)));
    }

    /** The plan of the last finished repair in a state dir ({@code journal-*}/last-plan.json). */
    static Optional<Plan> lastPlan(Path stateDir) throws IOException {
        if (!Files.isDirectory(stateDir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(stateDir)) {
            List<Path> plans = s.filter(p -> p.getFileName().toString().startsWith("journal-"))
                    .map(p -> p.resolve("last-plan.json")).filter(Files::exists).toList();
            if (plans.isEmpty()) {
                return Optional.empty();
            }
            assertEquals(1, plans.size(), "one journal per root");
            return Optional.of(new ObjectMapper().readValue(plans.get(0).toFile(), Plan.class));
        }
    }

    /** Asserts no journal in the state dir is unfinished (no plan.json, no done). */
    static void assertNoUnfinishedJournal(Path stateDir) throws IOException {
        if (!Files.isDirectory(stateDir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(stateDir)) {
            List<String> open = s.filter(p -> p.getFileName().toString().equals("plan.json")
                    || p.getFileName().toString().equals("done")).map(Path::toString).toList();
            assertEquals(List.of(), open, "an unfinished journal is left in " + stateDir);
        }
    }

    /** A finished real dockfsck process. */
    record Run(int exit, String output) {
    }

    /**
     * {@code java -cp <this JVM's class path> dev.dockfsck.cli.Main args} as the launcher runs it
     * (UTF-8 names, exact byte paths), with the test-only crash hook when {@code hook} is not null.
     * Returns its exit code and stdout (stderr is appended to it).
     */
    static Run realDockfsck(String hook, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        cmd.addAll(List.of("--add-opens", "java.base/sun.nio.fs=ALL-UNNAMED", "--add-modules=jdk.incubator.foreign",
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove(Repairer.CRASH_HOOK_ENV);
        if (hook != null) {
            pb.environment().put(Repairer.CRASH_HOOK_ENV, hook);
        }
        pb.environment().put("LC_ALL", "C.UTF-8");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("dockfsck did not finish: " + new String(out, StandardCharsets.UTF_8));
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** {@code dockfsck check [--deep] --root ROOT}: its exit code. */
    static int check(Path root, boolean deep) {
        List<String> argv = new ArrayList<>(List.of("check", "--root", root.toString()));
        if (deep) {
            argv.add("--deep");
        }
        return Main.run(argv.toArray(String[]::new));
    }

    /** Asserts a second {@code check --deep} is clean (exit 0), listing what is left if not. */
    static void assertCleanDeep(Path root) throws IOException {
        int exit = check(root, true);
        if (exit != 0) {
            fail("check --deep after repair exited " + exit + ": " + findings(root, true));
        }
    }

    /** The checker's findings on a root (API, for assertions on what was found). */
    static Report report(Path root, boolean deep) throws IOException {
        try {
            var store = DataRootReader.read(root);
            ContentVerifier v = new TarSplitContentVerifier(store.root());
            return new Checker(v).check(store, new Checker.Options(deep, Optional.empty(), 2,
                    ContentVerifier.Progress.NONE));
        } catch (dev.dockfsck.model.store.StoreException e) {
            throw new IOException(e);
        }
    }

    static List<String> findings(Path root, boolean deep) throws IOException {
        return report(root, deep).findings().stream().map(f -> f.severity() + " " + f.code() + " " + f.subject()
                + " " + f.path()).toList();
    }

    static Set<FindingCode> codes(Path root, boolean deep) throws IOException {
        return report(root, deep).findings().stream().map(Finding::code).collect(Collectors.toCollection(TreeSet::new));
    }

    // ------------------------------------------------------------------ dockerd

    /** Starts a private dockerd on a (repaired) root and asserts its log has no store error. */
    static Dockerd dockerdOn(Path root) throws IOException {
        Dockerd d = Dockerd.start(root.getParent().resolve("dockerd-" + System.nanoTime()), root);
        // the image store and reference store are restored before the API answers
        assertNoStoreErrors(d);
        return d;
    }

    static void assertNoStoreErrors(Dockerd d) throws IOException {
        List<String> bad = Files.readAllLines(d.log()).stream().filter(l -> STORE_ERROR.matcher(l).find()).toList();
        assertEquals(List.of(), bad, "dockerd logged store errors");
    }

    /** {@code docker run --rm --network none REF sh -c PROBE} prints the image's expected files. */
    static void assertRuns(Dockerd d, String ref, String sampleTag) {
        Dockerd.Result r = d.docker("run", "--rm", "--network", "none", ref, "sh", "-c", PROBE.get(sampleTag));
        assertTrue(r.ok(), () -> "docker run " + ref + " failed: " + r.stderr() + "\n" + d.logTail());
        assertEquals(EXPECTED.get(sampleTag), r.stdout(), "what " + ref + " prints");
    }

    static void assertRuns(Dockerd d, String sampleTag) {
        assertRuns(d, sampleTag, sampleTag);
    }

    /** The image is not in dockerd's store. */
    static void assertAbsent(Dockerd d, String sampleTag) {
        Dockerd.Result r = d.docker("image", "inspect", imageId(sampleTag).toString());
        assertTrue(!r.ok(), sampleTag + " should be gone, but dockerd has it");
    }

    /** Each removed image's own archive loads (no "file exists") and then runs. */
    /**
     * After a repair that removed exactly the image {@code removed}: it is recorded for restore, the
     * store checks clean, every other image runs, the container starts, and {@code removed} re-loads.
     */
    static void assertOnlyRemovedAndReloads(Repaired r, Path tmp, String removed) throws IOException {
        r.assertPendingExactly(removed);
        assertCleanDeep(r.root());
        try (Dockerd d = dockerdOn(r.root())) {
            for (String tag : ALL) {
                if (!tag.equals(removed)) {
                    assertRuns(d, tag);
                }
            }
            assertContainerStarts(d);
            assertReloads(d, tmp, removed);
        }
    }

    static void assertReloads(Dockerd d, Path dir, String... tags) throws IOException {
        for (String tag : tags) {
            BuiltImage img = SampleSet.image(tag);
            Path archive = dir.resolve("reload-" + img.imageId().hex().substring(0, 12) + ".tar");
            if (!Files.exists(archive)) {
                DockerArchive.write(List.of(img), archive);
            }
            Dockerd.Result r = d.docker("load", "-i", archive.toString());
            assertTrue(r.ok() && r.stdout().contains("Loaded image"), () -> "docker load of " + tag + " failed: "
                    + r.stderr() + " / " + r.stdout() + "\n" + d.logTail());
            assertRuns(d, tag);
        }
        assertNoStoreErrors(d);
    }

    /** {@code docker start -a golden-ctr} prints what it was created to print. */
    static void assertContainerStarts(Dockerd d) {
        Dockerd.Result r = d.docker("start", "-a", GoldenStore.CONTAINER);
        assertTrue(r.ok(), () -> "docker start -a " + GoldenStore.CONTAINER + " failed: " + r.stderr() + "\n"
                + d.logTail());
        assertEquals("hi\n", r.stdout());
    }

    static void assertContainerGone(Dockerd d) {
        assertTrue(!d.docker("container", "inspect", GoldenStore.CONTAINER).ok(), "the container should be gone");
    }
}
