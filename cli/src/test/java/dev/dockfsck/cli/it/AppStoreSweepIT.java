package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.cli.ExitCodes;
import dev.dockfsck.cli.Main;
import dev.dockfsck.cli.it.DamageSweepIT.Case;
import dev.dockfsck.cli.it.DamageSweepIT.Damage;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.AppStoreFinding;
import dev.dockfsck.model.appstore.StoreImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The damage sweep on the restorable app store itself, as skopeo wrote it: every file of the store
 * (app manifests and compose files, each image's {@code index.json} and {@code oci-layout}, every
 * shared blob) emptied,
 * halved, 16 bytes garbled, deleted, or replaced by a symbolic link to an intact copy outside the
 * store; every directory deleted. The promise checked for every damage:
 * <ul>
 *   <li>{@code check --deep --app-store} never fails operationally and never writes to the store;</li>
 *   <li>every image of the intact store is either restorable from the damaged one or named by a
 *       blocking {@code APPSTORE_*} finding (a deleted app directory may take an image without a trace);
 *       the findings name the damaged path;</li>
 *   <li>a link out of the store is refused, never followed;</li>
 *   <li>{@code restore --all} into an empty engine (the real dockerd) loads exactly the restorable
 *       images, each runs, the blocked ones are refused without a trace in dockerd, and the store is
 *       left as it was.</li>
 * </ul>
 * dockerd is proven once per distinct outcome (restorable and blocked images; for blobs, kind of damage).
 * {@code -Dsweep.only=REGEX} runs the matching cases.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AppStoreSweepIT {
    /**
     * What a damaged store offers: whether it can be read at all, the images it can restore, those it
     * names as blocked, and whether some image restore --all tries cannot be restored.
     */
    record Verdict(boolean readable, Set<String> restorable, Set<String> blocked, boolean someFail) {
    }

    record Outcome(Verdict verdict, Damage damage) {
    }

    final Map<Outcome, String> proven = new HashMap<>();
    AppStoreDevice dev;
    Path work;
    Path store;
    /** app -> its image's name in the store. */
    Map<String, String> nameOfApp;

    @BeforeAll
    void setUp() throws Exception {
        dev = AppStoreDevice.make("dfk-asweep");
        work = dev.work();
        store = dev.store();
        nameOfApp = dev.nameOfApp();
    }

    @AfterAll
    void tearDown() throws Exception {
        if (dev != null) {
            dev.delete();
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFileOfTheAppStoreDamagedEveryWayIsNamedOrStillRestores() throws IOException {
        Verdict healthy = verdict(store);
        assertEquals(new Verdict(true, new TreeSet<>(nameOfApp.values()), Set.of(), false), healthy,
                "the intact store restores every app");
        assertEquals(List.of(), findings(store), "the intact store has no finding");
        Pattern only = Pattern.compile(System.getProperty("sweep.only", ".*"));
        List<Case> all = cases(store);
        assertTrue(all.size() > 60, "the walk found the store's files: " + all);
        List<Case> cases = all.stream().filter(c -> only.matcher(c.toString()).find()).toList();
        int[] n = {0};
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
            try {
                run(c, work.resolve("acase-" + n[0]++));
            } catch (AssertionError e) {
                throw new AssertionError(c + ": " + e.getMessage(), e);
            }
        }));
    }

    // ------------------------------------------------------------------ what to damage

    static List<Case> cases(Path store) throws IOException {
        List<Case> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(store)) {
            for (Path p : s.sorted().toList()) {
                if (p.equals(store)) {
                    continue;
                }
                String rel = store.relativize(p).toString();
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(new Case(rel, 'd', Damage.DELETE));
                    continue;
                }
                DamageSweepIT.file(out, store, rel);
                out.add(new Case(rel, 'f', Damage.LINK_OUT));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ one case

    private void run(Case c, Path dir) throws Exception {
        Path damaged = dir.resolve("reset-apps");
        copyTree(store, damaged);
        DamageSweepIT.damage(damaged, c);
        TreeSnapshot before = TreeSnapshot.of(damaged, false);

        int exit = Main.run("check", "--root", dev.root().toString(), "--deep", "--app-store=" + damaged);
        assertTrue(exit == ExitCodes.CLEAN || exit == ExitCodes.ERRORS_LEFT, "check --deep --app-store: exit " + exit);
        assertEquals(List.of(), before.diff(TreeSnapshot.of(damaged, false)), "check wrote to the app store");

        Verdict v = verdict(damaged);
        List<AppStoreFinding> found = findings(damaged);
        for (Map.Entry<String, String> app : nameOfApp.entrySet()) {
            String name = app.getValue();
            boolean accounted = v.restorable().contains(name) || v.blocked().contains(name)
                    || (c.type() == 'd' && c.damage() == Damage.DELETE);
            assertTrue(accounted, "image " + name + " of app " + app.getKey()
                    + " is neither restorable nor named as blocked; findings: " + describe(found));
        }
        if (!found.isEmpty() && c.type() == 'f') {
            assertTrue(found.stream().anyMatch(f -> related(f.path(), c.path())),
                    "no finding names " + c.path() + ": " + describe(found));
        }
        if (c.damage() == Damage.LINK_OUT && c.path().startsWith("blobs/")) {
            assertTrue(found.stream().anyMatch(f -> f.code() == AppStoreFinding.Code.APPSTORE_REFUSED_PATH
                    && related(f.path(), c.path())), "a blob linked out of the store is refused: " + describe(found));
        }

        // how restore meets a damaged blob may differ by damage (refused at once, or cut off mid-stream)
        Outcome o = new Outcome(v, c.path().startsWith("blobs/") ? c.damage() : null);
        String shownBy = proven.get(o);
        if (shownBy != null) {
            System.out.println("app-store sweep: " + c + ": same outcome as " + shownBy);
            RepairIt.rmTree(dir);
            return;
        }
        try (Dockerd d = Dockerd.start(dir.resolve("d"), dir.resolve("engine"))) {
            int restored = Main.run("restore", "--all", "--host", d.host(), "--app-store=" + damaged,
                    "--state-dir", dir.resolve("state").toString());
            int expected = !v.readable() ? ExitCodes.OPERATIONAL : v.someFail() ? ExitCodes.ERRORS_LEFT : ExitCodes.CLEAN;
            assertEquals(expected, restored, "restore --all exit (blocked: " + v.blocked() + "; findings: "
                    + describe(found) + ")");
            Set<String> loaded = new TreeSet<>();
            for (Map.Entry<String, String> app : nameOfApp.entrySet()) {
                String name = app.getValue();
                if (v.restorable().contains(name)) {
                    RepairIt.assertRuns(d, name, AppStoreDevice.SAMPLE_OF_APP.get(app.getKey()));
                    loaded.add(name);
                } else {
                    assertTrue(!d.docker("image", "inspect", name).ok(), name + " is blocked but dockerd has it");
                }
            }
            Set<String> tags = new TreeSet<>(List.of(d.dockerOk("images", "--format", "{{.Repository}}:{{.Tag}}")
                    .strip().split("\n")));
            tags.remove("");
            assertEquals(loaded, tags, "dockerd holds exactly the restorable images");
            RepairIt.assertNoStoreErrors(d);
        }
        assertEquals(List.of(), before.diff(TreeSnapshot.of(damaged, false)), "restore wrote to the app store");
        proven.put(o, c.toString());
        RepairIt.rmTree(dir);
        System.out.println("app-store sweep: " + c + ": proven with dockerd (restorable " + v.restorable()
                + ", blocked " + v.blocked() + ")");
    }

    // ------------------------------------------------------------------ helpers

    /** What the product's own model of the store offers, layer blobs verified (as check --deep does). */
    static Verdict verdict(Path store) {
        try (AppStore s = AppStore.open(store)) {
            s.verifyLayers(null);
            Set<String> restorable = new TreeSet<>();
            Set<String> blocked = new TreeSet<>();
            for (StoreImage i : s.images()) {
                (s.blockers(i).isEmpty() ? restorable : blocked).addAll(i.names());
            }
            s.unresolved().forEach(u -> blocked.addAll(u.names()));
            for (AppStoreFinding f : s.findings()) {
                if (f.code().blocking()) {
                    blocked.addAll(f.images());
                }
            }
            blocked.removeAll(restorable);
            boolean someFail = !s.unresolved().isEmpty() || s.images().stream().anyMatch(i -> !s.blockers(i).isEmpty());
            return new Verdict(s.readable(), restorable, blocked, someFail);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static List<AppStoreFinding> findings(Path store) {
        try (AppStore s = AppStore.open(store)) {
            s.verifyLayers(null);
            return s.findings();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The finding's path is the damaged path, inside it, or a directory holding it. */
    static boolean related(String findingPath, String damaged) {
        return findingPath.equals(damaged) || findingPath.startsWith(damaged + "/") || damaged.startsWith(findingPath + "/");
    }

    static String describe(List<AppStoreFinding> found) {
        return found.stream().map(f -> f.code() + " " + f.path() + " " + f.images()).toList().toString();
    }

    static void copyTree(Path from, Path to) throws IOException, InterruptedException {
        Files.createDirectories(to.getParent());
        Process p = new ProcessBuilder("cp", "-a", from.toString(), to.toString()).inheritIO().start();
        assertEquals(0, p.waitFor(), "cp -a " + from);
    }
}
