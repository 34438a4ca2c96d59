package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.cli.ExitCodes;
import dev.dockfsck.cli.Main;
import dev.dockfsck.cli.it.DamageSweepIT.Case;
import dev.dockfsck.cli.it.DamageSweepIT.Damage;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.AppStoreFinding;
import dev.dockfsck.model.appstore.StoreImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
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
 * The damage sweep on the restorable app store itself, in each of its three forms as the real tools
 * write them: the reset-apps store skopeo wrote for the device, a plain OCI layout (skopeo, one tag per
 * app) and a docker-archive ({@code docker save} of the device's app images). Every file of a store
 * (app manifests and compose files, each image's {@code index.json} and {@code oci-layout}, every blob)
 * emptied, halved, 16 bytes garbled, deleted, or replaced by a symbolic link to an intact copy outside
 * the store; every directory deleted; for the archive, the tar file cut, emptied or linked out, and
 * every entry's header and data garbled. The promise checked for every damage:
 * <ul>
 *   <li>{@code check --deep --app-store} never fails operationally and never writes to the store;</li>
 *   <li>every image of the intact store is either restorable from the damaged one or named by a
 *       blocking {@code APPSTORE_*} finding (a deleted directory may take an image without a trace,
 *       and a store that cannot be read at all says so);</li>
 *   <li>the findings name the damaged path; a blob linked out of the store is refused, never followed;</li>
 *   <li>{@code restore --all} into an empty engine (the real dockerd) loads exactly the restorable
 *       images, each runs, the blocked ones are refused without a trace in dockerd, and the store is
 *       left as it was.</li>
 * </ul>
 * dockerd is proven once per distinct outcome (restorable and blocked images; for blobs and the
 * archive, kind of damage). {@code -Dsweep.only=REGEX} runs the matching cases.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AppStoreSweepIT {
    enum Form { RESET_APPS, OCI_LAYOUT, DOCKER_ARCHIVE }

    /**
     * What a damaged store offers: whether it can be read at all, the images it can restore, those it
     * names as blocked, and whether some image restore --all tries cannot be restored.
     */
    record Verdict(boolean readable, Set<String> restorable, Set<String> blocked, boolean someFail) {
    }

    record Outcome(Form form, Verdict verdict, Damage damage) {
    }

    final Map<Outcome, String> proven = new HashMap<>();
    /** Where each form's intact store is (the archive: the tar file). */
    final Map<Form, Path> stores = new EnumMap<>(Form.class);
    /** For the archive's entry cases: where each entry's header and data start. */
    final Map<String, long[]> entryOffsets = new HashMap<>();
    AppStoreDevice dev;
    Path work;
    int caseNo;

    @BeforeAll
    void setUp() throws Exception {
        dev = AppStoreDevice.make("dfk-asweep");
        work = dev.work();
        Path store = dev.store();
        stores.put(Form.RESET_APPS, store);
        // the plain OCI layout: each app's image copied by skopeo, tagged with the app's name
        Path oci = work.resolve("apps-oci");
        try (Stream<Path> s = Files.walk(store.resolve("apps"))) {
            for (Path index : s.filter(p -> p.getFileName().toString().equals("index.json")).sorted().toList()) {
                String app = store.relativize(index).getName(1).toString();
                run("skopeo", "--insecure-policy", "copy", "--quiet", "--src-shared-blob-dir", store.resolve("blobs").toString(),
                        "oci:" + index.getParent(), "oci:" + oci + ":" + app);
            }
        }
        stores.put(Form.OCI_LAYOUT, oci);
        // the docker-archive: docker save of the app images from (a copy of) the device's engine
        Path archive = work.resolve("archive").resolve("apps.tar");
        Files.createDirectories(archive.getParent());
        Path root = dev.root().resolveSibling("root-for-save");
        GoldenStore.copy(dev.root(), root);
        try (Dockerd d = Dockerd.start(work.resolve("d-save"), root)) {
            List<String> save = new ArrayList<>(List.of("save", "-o", archive.toString()));
            save.addAll(dev.nameOfApp().values());
            d.dockerOk(save.toArray(String[]::new));
        }
        stores.put(Form.DOCKER_ARCHIVE, archive);
        try (org.apache.commons.compress.archivers.tar.TarFile tar = new org.apache.commons.compress.archivers.tar.TarFile(archive.toFile())) {
            long header = 0;
            for (var e : tar.getEntries()) {
                entryOffsets.put(e.getName(), new long[] {header, e.getDataOffset(), e.getSize()});
                header = e.getDataOffset() + ((e.getSize() + 511) / 512) * 512;
            }
        }
    }

    @AfterAll
    void tearDown() throws Exception {
        if (dev != null) {
            dev.delete();
        }
    }

    @TestFactory
    Stream<DynamicTest> resetApps() throws IOException {
        return sweep(Form.RESET_APPS);
    }

    @TestFactory
    Stream<DynamicTest> ociLayout() throws IOException {
        return sweep(Form.OCI_LAYOUT);
    }

    @TestFactory
    Stream<DynamicTest> dockerArchive() throws IOException {
        return sweep(Form.DOCKER_ARCHIVE);
    }

    private Stream<DynamicTest> sweep(Form form) throws IOException {
        Path store = stores.get(form);
        Verdict healthy = verdict(store);
        assertEquals(3, healthy.restorable().size(), form + ": the intact store restores every app: " + healthy);
        assertEquals(new Verdict(true, healthy.restorable(), Set.of(), false), healthy, form + ": the intact store");
        assertEquals(List.of(), findings(store), form + ": the intact store has no finding");
        Map<String, String> sampleOfName = new HashMap<>();
        for (String name : healthy.restorable()) {
            String app = AppStoreDevice.APPS.stream().filter(a -> name.contains("/apps/" + a + ":") || name.endsWith(":" + a))
                    .findFirst().orElseThrow(() -> new AssertionError("which app is " + name));
            sampleOfName.put(name, AppStoreDevice.SAMPLE_OF_APP.get(app));
        }
        Pattern only = Pattern.compile(System.getProperty("sweep.only", ".*"));
        List<Case> all = form == Form.DOCKER_ARCHIVE
                ? Stream.concat(archiveCases(store).stream(), entryCases(store).stream()).toList() : cases(store);
        assertTrue(all.size() > 20, "the walk found the store's files: " + all);
        List<Case> cases = all.stream().filter(c -> only.matcher(c.toString()).find()).toList();
        return cases.stream().map(c -> DynamicTest.dynamicTest(form + " " + c, () -> {
            try {
                run(form, c, sampleOfName, work.resolve("acase-" + caseNo++));
            } catch (AssertionError e) {
                throw new AssertionError(form + " " + c + ": " + e.getMessage(), e);
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

    /**
     * The archive: the tar file emptied, halved or linked out; each entry's header and the middle of
     * its data garbled (type 'h' and 'e': {@link #entryOffsets} says where).
     */
    static List<Case> archiveCases(Path archive) {
        String name = archive.getFileName().toString();
        return List.of(new Case(name, 'f', Damage.EMPTY), new Case(name, 'f', Damage.HALF), new Case(name, 'f', Damage.LINK_OUT));
    }

    private List<Case> entryCases(Path archive) {
        List<Case> out = new ArrayList<>();
        String name = archive.getFileName().toString();
        for (String entry : new java.util.TreeSet<>(entryOffsets.keySet())) {
            out.add(new Case(name + "#" + entry, 'h', Damage.GARBLE));
            if (entryOffsets.get(entry)[2] > 0) {
                out.add(new Case(name + "#" + entry, 'e', Damage.GARBLE));
            }
        }
        return out;
    }

    static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    // ------------------------------------------------------------------ one case

    private void run(Form form, Case c, Map<String, String> sampleOfName, Path dir) throws Exception {
        Path intact = stores.get(form);
        Path copy = dir.resolve(form == Form.DOCKER_ARCHIVE ? "archive" : intact.getFileName().toString()); // an OCI layout's dir names its repo
        Path damaged;
        if (form == Form.DOCKER_ARCHIVE) {
            Files.createDirectories(copy);
            damaged = copy.resolve(intact.getFileName().toString());
            Files.copy(intact, damaged);
            if (c.type() == 'h' || c.type() == 'e') {
                long[] at = entryOffsets.get(c.path().substring(c.path().indexOf('#') + 1));
                DamageSweepIT.garble(damaged, c.type() == 'h' ? at[0] : at[1] + Math.max(0, at[2] / 2 - 8), 16);
            } else {
                DamageSweepIT.damage(copy, c);
            }
        } else {
            copyTree(intact, copy);
            damaged = copy;
            DamageSweepIT.damage(copy, c);
        }
        TreeSnapshot before = TreeSnapshot.of(copy, false);

        int exit = Main.run("check", "--root", dev.root().toString(), "--deep", "--app-store=" + damaged);
        assertTrue(exit == ExitCodes.CLEAN || exit == ExitCodes.ERRORS_LEFT, "check --deep --app-store: exit " + exit);
        assertEquals(List.of(), before.diff(TreeSnapshot.of(copy, false)), "check wrote to the app store");

        Verdict v = verdict(damaged);
        List<AppStoreFinding> found = findings(damaged);
        for (String name : sampleOfName.keySet()) {
            boolean accounted = v.restorable().contains(name) || v.blocked().contains(name) || !v.readable()
                    || (c.type() == 'd' && c.damage() == Damage.DELETE);
            assertTrue(accounted, "image " + name + " is neither restorable nor named as blocked; findings: " + describe(found));
        }
        if (!v.readable()) {
            assertTrue(found.stream().anyMatch(f -> f.code() == AppStoreFinding.Code.APPSTORE_UNREADABLE
                    || f.code() == AppStoreFinding.Code.APPSTORE_REFUSED_PATH), "an unreadable store says why: " + describe(found));
        }
        if (!found.isEmpty() && c.type() == 'f' && form != Form.DOCKER_ARCHIVE) {
            assertTrue(found.stream().anyMatch(f -> related(f.path(), c.path())),
                    "no finding names " + c.path() + ": " + describe(found));
        }
        if (c.damage() == Damage.LINK_OUT && c.path().startsWith("blobs/")) {
            assertTrue(found.stream().anyMatch(f -> f.code() == AppStoreFinding.Code.APPSTORE_REFUSED_PATH
                    && related(f.path(), c.path())), "a blob linked out of the store is refused: " + describe(found));
        }

        // how restore meets a damaged blob may differ by damage (refused at once, or cut off mid-stream)
        boolean byKind = c.path().startsWith("blobs/") || form == Form.DOCKER_ARCHIVE;
        Outcome o = new Outcome(form, v, byKind ? c.damage() : null);
        String shownBy = proven.get(o);
        if (shownBy != null) {
            System.out.println("app-store sweep: " + form + " " + c + ": same outcome as " + shownBy);
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
            for (Map.Entry<String, String> image : sampleOfName.entrySet()) {
                String name = image.getKey();
                if (v.restorable().contains(name)) {
                    RepairIt.assertRuns(d, name, image.getValue());
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
        assertEquals(List.of(), before.diff(TreeSnapshot.of(copy, false)), "restore wrote to the app store");
        proven.put(o, c.toString());
        RepairIt.rmTree(dir);
        System.out.println("app-store sweep: " + form + " " + c + ": proven with dockerd (restorable " + v.restorable()
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
