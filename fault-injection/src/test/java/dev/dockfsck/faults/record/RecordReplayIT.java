package dev.dockfsck.faults.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.image.DockerArchive;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real dockerd loads an archive under strace; replaying every recorded op on the
 * before-snapshot gives the after-snapshot: same names, types, modes, owners, sizes, content
 * hashes, link targets and opaque marks.
 */
class RecordReplayIT {
    @TempDir
    Path tmp;

    @Test
    void replayingAllOpsOfADockerPullFromALocalRegistryGivesTheAfterSnapshot() throws Exception {
        Dockerd.assumeAvailable();
        org.junit.jupiter.api.Assumptions.assumeTrue(LocalRegistry.available(), "needs docker-registry and skopeo");
        Path archive = tmp.resolve("sample.tar");
        DockerArchive.write(List.of(SampleSet.images().get(0)), archive);
        Path work = Path.of("target/record-replay-pull-it").toAbsolutePath();
        if (Files.exists(work)) {
            new ProcessBuilder("rm", "-rf", work.toString()).inheritIO().start().waitFor();
        }
        Recording rec;
        try (LocalRegistry reg = LocalRegistry.start(tmp.resolve("registry"))) {
            String ref = reg.push(archive, "dockfsck/sample-a:1");
            rec = Recorder.record(work, Recorder.Operation.pulls(List.of(), List.of(ref), List.of(archive)));
        }
        assertReplays(rec);
        assertTrue(Files.list(rec.after().resolve("image/overlay2/layerdb/sha256")).count() >= 2, "the pull registered layers");
        assertEveryStateFaithful(rec);
    }

    /**
     * Every write's bytes are in the log (containerd's meta.db pages, rewritten in place during a
     * pull, included), so no crash state replays with bytes written after its crash point.
     */
    static void assertEveryStateFaithful(Recording rec) {
        List<FsOp.Write> blind = rec.ops().stream().filter(o -> o instanceof FsOp.Write w && w.data() == null)
                .map(o -> (FsOp.Write) o).toList();
        assertTrue(rec.ops().stream().anyMatch(o -> o instanceof FsOp.Write w && w.data() != null), "some write's bytes are kept");
        List<dev.dockfsck.faults.crash.CrashState> states = dev.dockfsck.faults.crash.CrashStates.generate(rec.ops(), 300, 13,
                dev.dockfsck.faults.crash.CrashStates.Shard.ALL);
        List<Integer> unfaithful = states.stream().filter(s -> !dev.dockfsck.faults.crash.CrashStates.faithful(rec.ops(), s))
                .map(dev.dockfsck.faults.crash.CrashState::index).toList();
        assertEquals(List.of(), unfaithful, "unfaithful states of seed 13; writes without kept bytes: "
                + blind.subList(0, Math.min(10, blind.size())));
    }

    private static void assertReplays(Recording rec) throws Exception {
        Map<String, Integer> kinds = new TreeMap<>();
        rec.ops().forEach(o -> kinds.merge(o.getClass().getSimpleName(), 1, Integer::sum));
        System.out.println("recorded " + rec.ops().size() + " ops: " + kinds + "; not modelled: " + rec.skipped());
        assertTrue(kinds.getOrDefault("Rename", 0) > 0 && kinds.getOrDefault("Write", 0) > 0
                && kinds.getOrDefault("Sync", 0) > 0, kinds.toString());
        assertTrue(kinds.getOrDefault("Mkdir", 0) > 0 || kinds.getOrDefault("Rmdir", 0) > 0, kinds.toString());
        Path replayed = rec.before().resolveSibling("replayed");
        int skipped = Replayer.replay(rec, rec.ops(), replayed);
        List<String> diff = TreeSnapshot.of(rec.after(), true).diff(TreeSnapshot.of(replayed, true));
        assertEquals(List.of(), diff.subList(0, Math.min(40, diff.size())), "replay (" + skipped + " ops skipped) <> after");
    }

    @Test
    void replayingAllOpsOfADockerLoadGivesTheAfterSnapshot() throws Exception {
        Dockerd.assumeAvailable();
        Path archive = tmp.resolve("sample.tar");
        DockerArchive.write(List.of(SampleSet.images().get(0)), archive);
        // the recording stays in target/ for a look at its strace log
        Path work = Path.of("target/record-replay-it").toAbsolutePath();
        if (Files.exists(work)) {
            new ProcessBuilder("rm", "-rf", work.toString()).inheritIO().start().waitFor();
        }
        Recording rec = Recorder.record(work, Recorder.Operation.load(archive));
        Map<String, Integer> kinds = new TreeMap<>();
        rec.ops().forEach(o -> kinds.merge(o.getClass().getSimpleName(), 1, Integer::sum));
        System.out.println("recorded " + rec.ops().size() + " ops: " + kinds + "; not modelled: " + rec.skipped());
        assertTrue(kinds.getOrDefault("Rename", 0) > 0 && kinds.getOrDefault("Write", 0) > 0
                && kinds.getOrDefault("Sync", 0) > 0 && kinds.getOrDefault("Mkdir", 0) > 0, kinds.toString());
        Path replayed = tmp.resolve("replayed");
        int skipped = Replayer.replay(rec, rec.ops(), replayed);
        TreeSnapshot want = TreeSnapshot.of(rec.after(), true);
        TreeSnapshot got = TreeSnapshot.of(replayed, true);
        List<String> diff = want.diff(got);
        assertEquals(List.of(), diff.subList(0, Math.min(40, diff.size())), "replay (" + skipped + " ops skipped) <> after");
        assertTrue(Files.isDirectory(replayed.resolve("image/overlay2/layerdb/sha256")));
        assertEveryStateFaithful(rec);
    }

    private Recording recordContainerOp(String name, java.util.function.BiFunction<List<Path>, String[], Recorder.Operation> op)
            throws Exception {
        Dockerd.assumeAvailable();
        org.junit.jupiter.api.Assumptions.assumeTrue(SampleSet.runnable(), "needs busybox-static");
        Path a = tmp.resolve("a.tar");
        Path c = tmp.resolve("c.tar");
        DockerArchive.write(List.of(SampleSet.images().get(0)), a);
        DockerArchive.write(List.of(SampleSet.images().get(2)), c);
        Path work = Path.of("target/record-replay-" + name + "-it").toAbsolutePath();
        if (Files.exists(work)) {
            new ProcessBuilder("rm", "-rf", work.toString()).inheritIO().start().waitFor();
        }
        Recording rec = Recorder.record(work, op.apply(List.of(a, c), new String[] {SampleSet.A, SampleSet.C}));
        assertReplays(rec);
        assertEveryStateFaithful(rec);
        return rec;
    }

    @Test
    void replayingAllOpsOfADockerRunGivesTheAfterSnapshot() throws Exception {
        Recording rec = recordContainerOp("run", (l, i) -> Recorder.Operation.run(l, i[0], i[1]));
        assertTrue(Files.list(rec.after().resolve("containers")).count() == 2, "the keeper and the new container");
        assertTrue(Files.list(rec.before().resolve("containers")).count() == 1, "the keeper only");
    }

    @Test
    void replayingAllOpsOfADockerRmGivesTheAfterSnapshot() throws Exception {
        Recording rec = recordContainerOp("rm", (l, i) -> Recorder.Operation.rm(l, i[0], i[1]));
        assertEquals(2, Files.list(rec.before().resolve("containers")).count());
        assertEquals(1, Files.list(rec.after().resolve("containers")).count());
    }

    @Test
    void replayingAllOpsOfADockerRmiGivesTheAfterSnapshot() throws Exception {
        Recording rec = recordContainerOp("rmi", (l, i) -> Recorder.Operation.rmi(l, i[0], i[1]));
        assertTrue(Files.list(rec.after().resolve("image/overlay2/layerdb/sha256")).count()
                < Files.list(rec.before().resolve("image/overlay2/layerdb/sha256")).count(), "the image's own layers went");
    }
}
