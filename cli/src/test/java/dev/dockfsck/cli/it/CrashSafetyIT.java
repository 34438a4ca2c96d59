package dev.dockfsck.cli.it;

import static dev.dockfsck.cli.it.RepairIt.chain;
import static dev.dockfsck.cli.it.RepairIt.copyGolden;
import static dev.dockfsck.cli.it.RepairIt.empty;
import static dev.dockfsck.cli.it.RepairIt.layerDb;
import static dev.dockfsck.cli.it.RepairIt.linkId;
import static dev.dockfsck.cli.it.RepairIt.overlayDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.ContentVerifier;
import dev.dockfsck.checker.TarSplitContentVerifier;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import dev.dockfsck.fixtures.image.DockerArchive;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import dev.dockfsck.repair.Repairer;
import dev.dockfsck.repair.restore.PendingRestore;
import dev.dockfsck.repair.plan.Action;
import dev.dockfsck.repair.plan.Plan;
import dev.dockfsck.repair.plan.RecordPendingRestore;
import dev.dockfsck.repair.plan.RemoveContainer;
import dev.dockfsck.repair.plan.RemoveLayer;
import dev.dockfsck.repair.plan.RemovePath;
import dev.dockfsck.repair.plan.Symlink;
import dev.dockfsck.repair.plan.WriteFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repair killed at any point resumes to exactly the state an uninterrupted repair reaches: for
 * every action of a plan that mixes every kind of action, the real {@code dockfsck} process is
 * halted (exit 137) right after the action is journaled done, and right after it ran but before
 * it was journaled; a rerun without the hook must then end with the very same tree.
 */
class CrashSafetyIT {
    @TempDir
    static Path tmp;
    static TreeSnapshot expected;
    static List<PendingRestore.Entry> expectedPending;
    static Plan plan;

    @BeforeAll
    static void uninterrupted() throws IOException {
        RepairIt.golden();
        Path root = damaged(tmp.resolve("uninterrupted"));
        RepairIt.Repaired r = RepairIt.repair(root, tmp.resolve("uninterrupted/state"), "--force");
        assertEquals(1, r.exit());
        plan = r.plan();
        Set<Class<?>> kinds = plan.actions().stream().map(Object::getClass).collect(Collectors.toSet());
        assertEquals(Set.of(RecordPendingRestore.class, WriteFile.class, Symlink.class, RemovePath.class,
                RemoveLayer.class, RemoveContainer.class), kinds, "a plan with every kind of action: " + plan);
        expected = TreeSnapshot.of(root, true);
        expectedPending = new PendingRestore(r.stateDir()).read();
        assertEquals(0, RepairIt.check(root, true), "the uninterrupted repair ends clean");
    }

    /**
     * A golden copy with: B's middle layer's cache-id empty (remove B, two layers, the lost dir
     * found through the child's lower), the app layer's link empty and its l/ entry gone (new id,
     * link, l/ symlink, the lowers of A's and C's top layers), golden-ctr's config cut (removed,
     * --force), and an orphan dir with its l/ link, a stale write-set and an import leftover.
     */
    static Path damaged(Path dir) throws IOException {
        Path root = copyGolden(dir);
        empty(layerDb(root, chain(SampleSet.B).get(1)).resolve("cache-id"));
        var app = chain(SampleSet.A).get(1);
        String old = linkId(root, app);
        empty(overlayDir(root, app).resolve("link"));
        Files.delete(root.resolve("overlay2/l").resolve(old));
        Path ctr = root.resolve("containers").resolve(RepairIt.golden().containerId()).resolve("config.v2.json");
        RepairIt.truncate(ctr, Files.size(ctr) / 3);
        String orphan = "f".repeat(64);
        GoldenStore.copy(overlayDir(root, chain(SampleSet.C).get(2)), root.resolve("overlay2").resolve(orphan));
        Files.writeString(root.resolve("overlay2").resolve(orphan).resolve("link"), "ORPHANORPHANORPHANORPHANOR");
        Files.createSymbolicLink(root.resolve("overlay2/l/ORPHANORPHANORPHANORPHANOR"), Path.of("../" + orphan + "/diff"));
        Path ws = root.resolve("image/overlay2/layerdb/tmp/write-set-4242");
        Files.createDirectories(ws);
        Files.writeString(ws.resolve("cache-id"), orphan);
        Path imp = root.resolve("tmp/docker-import-4242");
        Files.createDirectories(imp);
        DockerArchive.write(List.of(SampleSet.image(SampleSet.B)), imp.resolve("archive.tar"));
        return root;
    }

    @TestFactory
    Stream<DynamicTest> everyCrashPointResumesToTheSameTree() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < plan.actions().size(); i++) {
            Action a = plan.actions().get(i);
            for (boolean marked : new boolean[] {true, false}) {
                int at = i;
                String hook = marked ? Integer.toString(i) : i + ":unmarked";
                tests.add(DynamicTest.dynamicTest("crash " + hook + " (" + a.describe() + ")",
                        () -> crashAndResume(at, marked, hook)));
            }
        }
        return tests.stream();
    }

    void crashAndResume(int at, boolean marked, String hook) throws Exception {
        Path dir = tmp.resolve("crash-" + hook.replace(':', '-'));
        Path root = damaged(dir);
        Path state = dir.resolve("state");
        TreeSnapshot volumes = TreeSnapshot.of(root.resolve("volumes"), true);

        RepairIt.Run p = RepairIt.realDockfsck(hook, "repair", "--root", root.toString(), "--state-dir",
                state.toString(), "--force");
        assertEquals(137, p.exit(), "halted by the hook " + hook + ": " + p.output());
        Path journal = journalDir(state);
        assertTrue(Files.exists(journal.resolve("plan.json")), "the interrupted repair is journaled");
        List<String> done = Files.exists(journal.resolve("done"))
                ? Files.readAllLines(journal.resolve("done"), StandardCharsets.US_ASCII) : List.of();
        assertEquals(marked ? at + 1 : at, done.size(), "actions journaled done when halted at " + hook);

        // the rerun, as `dockfsck repair --force` runs it, with its log kept
        List<String> log = new ArrayList<>();
        Repairer.Listener logger = new Repairer.Listener() {
            @Override
            public void planned(dev.dockfsck.checker.Report before, Plan plan, boolean resumedPlan) {
                log.add((resumedPlan ? "resuming " : "planned ") + plan.actions().size() + " action(s)");
            }

            @Override
            public void applying(int index, int total, Action action) {
                log.add("[" + (index + 1) + "/" + total + "] " + action.describe());
            }
        };
        Repairer.Result resumed = new Repairer(new Repairer.Options(false, false, true, state, 2, Map.of(),
                TarSplitContentVerifier::new, ContentVerifier.Progress.NONE, logger)).run(root);

        assertTrue(resumed.resumed(), "the rerun resumes the journaled plan: " + log);
        assertEquals(1, resumed.exitCode(), "the resumed repair corrects the rest and ends clean");
        int n = plan.actions().size();
        List<String> ran = log.stream().filter(l -> l.matches("\\[\\d+/" + n + "\\] .*")).toList();
        int first = marked ? at + 1 : at;
        List<String> expectedRan = new ArrayList<>();
        for (int k = first; k < n; k++) {
            expectedRan.add("[" + (k + 1) + "/" + n + "] " + plan.actions().get(k).describe());
        }
        assertEquals(expectedRan, ran, "the rerun runs exactly the actions not journaled done");
        List<String> diff = expected.diff(TreeSnapshot.of(root, true));
        assertEquals(List.of(), diff, "the resumed tree differs from the uninterrupted one");
        RepairIt.assertNoUnfinishedJournal(state);
        assertEquals(expectedPending, new PendingRestore(state).read());
        RepairIt.assertVolumesUnchanged(root, volumes);
    }

    static Path journalDir(Path state) throws IOException {
        try (Stream<Path> s = Files.list(state)) {
            List<Path> j = s.filter(p -> p.getFileName().toString().startsWith("journal-")).toList();
            assertEquals(1, j.size(), "one journal: " + j);
            return j.get(0);
        }
    }
}
