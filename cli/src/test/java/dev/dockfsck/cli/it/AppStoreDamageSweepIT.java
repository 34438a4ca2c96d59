package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Severity;
import dev.dockfsck.cli.ExitCodes;
import dev.dockfsck.cli.Main;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import dev.dockfsck.repair.restore.PendingRestore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The damage sweep of {@link DamageSweepIT} (its cases: the fault catalogue's sweep,
 * {@code dev.dockfsck.faults.catalogue.Catalogue#sweep()}, on every target the device's store has) on a device that keeps a restorable app store
 * (written by skopeo; the engine loaded from it; a container on one app), with repair and restore
 * given the store, as the boot service runs them. The promise checked for every damage: after
 * {@code repair --deep --app-store} (and {@code --force} when it kept something for the user) and
 * {@code restore --pending}, the device is whole again: every app's image runs under its app-store
 * name, the container starts unless the forced repair removed it, nothing is left pending, and
 * {@code check --deep} finds nothing but what repair says it does not mend. A clean verdict on the
 * damaged store must mean the same without any repair. dockerd is proven once per distinct
 * outcome. {@code -Dsweep.only=REGEX} runs the matching cases.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AppStoreDamageSweepIT {
    static final List<String> APPS = AppStoreDevice.APPS;
    static final Map<String, String> SAMPLE_OF_APP = AppStoreDevice.SAMPLE_OF_APP;
    /** What repair leaves by design (docs/findings.md: "left alone"). */
    static final Set<FindingCode> LEFT_ALONE = EnumSet.of(FindingCode.LAYER_TAR_SPLIT_MISSING,
            FindingCode.LAYER_TAR_SPLIT_CORRUPT, FindingCode.UNEXPECTED_ENTRY);

    record Outcome(TreeSnapshot tree, Set<String> pending, boolean containerKept) {
    }

    final Map<Outcome, String> proven = new HashMap<>();
    AppStoreDevice dev;
    Path work;
    Path store;
    Path device;
    Map<String, String> nameOfApp;
    String containerId;

    @BeforeAll
    void setUp() throws Exception {
        dev = AppStoreDevice.make("dfk-sweep");
        work = dev.work();
        store = dev.store();
        device = dev.root();
        nameOfApp = dev.nameOfApp();
        containerId = dev.containerId();
    }

    @AfterAll
    void tearDown() throws Exception {
        if (dev != null) {
            dev.delete();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFileOfADeviceDamagedEveryWayIsWholeAgainAfterRepairAndRestore() throws IOException {
        Pattern only = Pattern.compile(System.getProperty("sweep.only", ".*"));
        List<DamageSweepIT.Case> all = DamageSweepIT.cases(device);
        assertTrue(all.size() > 40, "the walk found the store's files: " + all);
        List<DamageSweepIT.Case> cases = all.stream().filter(c -> only.matcher(c.toString()).find()).toList();
        int[] n = {0};
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
            try {
                run(c, work.resolve("case-" + n[0]++));
            } catch (AssertionError e) {
                throw new AssertionError(c + ": " + e.getMessage(), e);
            }
        }));
    }

    private void run(DamageSweepIT.Case c, Path dir) throws IOException {
        Path root = GoldenStore.copy(device, dir.resolve("root"));
        DamageSweepIT.damage(root, c);
        String apps = "--app-store=" + store;
        int verdict = Main.run("check", "--root", root.toString(), "--deep", apps);
        assertTrue(verdict == ExitCodes.CLEAN || verdict == ExitCodes.ERRORS_LEFT, "check --deep: exit " + verdict);
        Path state = dir.resolve("state");
        if (verdict != ExitCodes.CLEAN) {
            RepairIt.Repaired r = RepairIt.repair(root, state, "--deep", apps);
            if ((r.exit() & ExitCodes.ERRORS_LEFT) != 0) {
                r = RepairIt.repair(root, state, "--deep", apps, "--force");
            }
            RepairIt.assertNoUnfinishedJournal(state);
            List<Finding> left = RepairIt.report(root, true).findings().stream()
                    .filter(f -> f.severity() != Severity.INFO).toList();
            assertTrue(left.stream().allMatch(f -> LEFT_ALONE.contains(f.code())),
                    "repair (exit " + r.exit() + ") left: " + left.stream().map(f -> f.code() + " " + f.subject()).toList());
        }
        Set<String> pending = new PendingRestore(state).read().stream().map(e -> e.imageId().toString())
                .collect(Collectors.toCollection(TreeSet::new));
        boolean containerKept = Files.isDirectory(root.resolve("containers").resolve(containerId));
        Outcome o = new Outcome(TreeSnapshot.of(root, true), pending, containerKept);
        String shownBy = proven.get(o);
        if (shownBy != null) {
            System.out.println("app-store sweep: " + c + ": same outcome as " + shownBy);
            return;
        }
        try (Dockerd d = RepairIt.dockerdOn(root)) {
            if (!pending.isEmpty()) {
                assertEquals(0, Main.run("restore", "--pending", "--host", d.host(), apps, "--state-dir", state.toString()),
                        "restore --pending");
                assertEquals(List.of(), new PendingRestore(state).read(), "everything pending was restored");
            }
            for (String app : APPS) {
                RepairIt.assertRuns(d, nameOfApp.get(app), SAMPLE_OF_APP.get(app));
            }
            if (containerKept) {
                Dockerd.Result started = d.docker("start", "-a", containerId);
                assertTrue(started.ok(), () -> "the container does not start: " + started.stderr() + "\n" + d.logTail());
                assertEquals(RepairIt.EXPECTED.get(SampleSet.C), started.stdout());
            }
            RepairIt.assertNoStoreErrors(d);
        }
        proven.put(o, c.toString());
        System.out.println("app-store sweep: " + c + ": proven with dockerd (restored " + pending.size() + " image(s)"
                + (containerKept ? "" : "; container removed") + ")");
    }
}
