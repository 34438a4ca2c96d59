package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.cli.ExitCodes;
import dev.dockfsck.cli.Main;
import dev.dockfsck.fixtures.appstore.ResetAppsStore;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import dev.dockfsck.fixtures.image.BuiltImage;
import dev.dockfsck.fixtures.image.ImageSpec;
import dev.dockfsck.fixtures.image.LayerSpec;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.appstore.StoreImage;
import dev.dockfsck.repair.plan.Action;
import dev.dockfsck.repair.plan.RecordPendingRestore;
import dev.dockfsck.repair.plan.RemoveContainer;
import dev.dockfsck.repair.plan.RemoveLayer;
import dev.dockfsck.repair.plan.RemovePath;
import dev.dockfsck.repair.plan.WriteFile;
import dev.dockfsck.repair.restore.PendingRestore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A {@code docker load} cut off by a crash leaves an app-store image half-made: the engine does
 * not hold it but has a trace of it. {@code repair --app-store} records such an image in the state
 * dir's pending-restore.json (reason {@code interrupted-load}, its app-store name), and after
 * {@code restore --pending} it is there with its app-store image ID and runs, and the store checks
 * clean with no leftover. Healthy images, the container and the volume are kept. An app-store
 * image with no trace in the engine (never loaded, or removed with docker rmi) is not recorded.
 * <p>The device: the three sample apps loaded from the app store, kiosk-ctr on kiosk, and a fourth
 * app {@code big} (the busybox base plus two 48 MiB layers, so that a load takes long enough to be
 * killed at a chosen point) in the store only. Killed loads: dockerd SIGKILLed while
 * {@code dockfsck restore --app big} streams the archive (config copied, layers not yet), while
 * {@code docker load} of skopeo's docker-archive of it copies the layers, while it extracts the
 * first big layer, and once it registered the first and extracts the second. Made by hand on the
 * tools app: its config and tag gone with its layers registered; only its tag gone; its config's
 * {@code .tmp-} leftover beside it (with its layers, and alone on a device where tools was removed).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InterruptedLoadIT {
    static final String BIG = "big";
    static final int FILE_SIZE = 24 << 20;
    static final String INTERRUPTED = "interrupted-load";

    AppStoreDevice device;
    StoreImage big;
    StoreImage tools;
    /** The loaded apps' image IDs as dockerd showed them on the device. */
    Map<String, String> before;
    /** skopeo's docker-archive of the app store's big image (its image ID), named as the store names it. */
    Path bigArchive;
    /** The device with tools removed by {@code docker rmi}: no trace of tools left. */
    Path noTools;

    static BuiltImage bigImage() {
        ImageSpec.Builder b = ImageSpec.builder("dockfsck/big:1").layer(SampleSet.baseLayer());
        for (int l = 1; l <= 2; l++) {
            LayerSpec.Builder layer = LayerSpec.builder().dir("big" + l);
            for (int i = 0; i < 2; i++) {
                layer.bigFile("big" + l + "/f" + i + ".bin", FILE_SIZE, 10L * l + i);
            }
            b.layer(layer.build());
        }
        return b.build();
    }

    @BeforeAll
    void setUp() throws Exception {
        device = AppStoreDevice.make("dfk-interrupted", Map.of(BIG, bigImage()));
        big = device.image(BIG);
        tools = device.image("tools");
        assertEquals(3, big.chainIds().size(), "base and two big layers: " + big.chainIds());
        try (Dockerd d = RepairIt.dockerdOn(copy("before"))) {
            before = imageIds(d, AppStoreDevice.APPS);
        }
        bigArchive = skopeoArchive(BIG);
        noTools = copy("notools");
        try (Dockerd d = RepairIt.dockerdOn(noTools)) {
            d.dockerOk("rmi", device.nameOfApp().get("tools"));
        }
    }

    @AfterAll
    void tearDown() throws Exception {
        if (device != null) {
            device.delete();
        }
    }

    // ------------------------------------------------------------------ no trace: not pending

    @Test
    void anAppNeverLoadedIsNotRecorded() throws Exception {
        Path r = copy("never");
        RepairIt.Repaired rep = repair("never", r);
        assertEquals(ExitCodes.CLEAN, rep.exit(), "nothing to do: " + rep.plan());
        rep.assertPendingExactly();
        assertFalse(Files.exists(state("never").resolve(PendingRestore.FILE_NAME)), "no pending-restore.json");
    }

    @Test
    void anAppRemovedWithDockerRmiIsNotRecorded() throws Exception {
        Path r = GoldenStore.copy(noTools, device.work().resolve("rmi").resolve("root"));
        RepairIt.Repaired rep = repair("rmi", r);
        assertEquals(ExitCodes.CLEAN, rep.exit(), "nothing to do: " + rep.plan());
        rep.assertPendingExactly();
    }

    // ------------------------------------------------------------------ killed loads

    /** {@code dockfsck restore --app big} (config first in its archive) killed while dockerd copies the layers. */
    @Test
    void killedWhileRestoreStreamsTheArchive() throws Exception {
        Path r = copy("k-restore");
        Set<String> dirs = overlayDirs(r);
        killDuring(r, d -> CompletableFuture.supplyAsync(() -> Main.run("restore", "--app", BIG, "--host", d.host(),
                "--app-store", device.store().toString())), root -> importHolds(root, big.imageId().hex() + ".json")
                && newOverlayDirs(root, dirs).isEmpty());
        assertFalse(Files.exists(RepairIt.layerDb(r, big.chainIds().get(1))), "killed too late: a big layer is registered");
        assertInterruptedAndRestored("k-restore", r, BIG);
    }

    /**
     * {@code docker load} of skopeo's archive (layers first, config last) killed while dockerd
     * copies the first big layer's tar into tmp/docker-import-*: what is there is named by the
     * image's own diffIDs, and nothing of it is registered yet.
     */
    @Test
    void killedWhileDockerLoadCopiesTheLayers() throws Exception {
        Path r = copy("k-copy");
        Set<String> dirs = overlayDirs(r);
        String firstBig = big.diffIds().get(1).hex() + ".tar";
        killDuring(r, this::dockerLoadBig, root -> importHolds(root, firstBig) && newOverlayDirs(root, dirs).isEmpty());
        assertFalse(importHolds(r, big.imageId().hex() + ".json"), "killed too late: the config was copied");
        assertInterruptedAndRestored("k-copy", r, BIG, "tmp/docker-import-* held " + importListing(r) + " (big's diffIDs: "
                + big.diffIds() + ")");
    }

    @Test
    void killedWhileDockerLoadExtractsTheFirstBigLayer() throws Exception {
        Path r = copy("k-extract");
        Set<String> dirs = overlayDirs(r);
        Digest first = big.chainIds().get(1);
        killDuring(r, this::dockerLoadBig, root -> !newOverlayDirs(root, dirs).isEmpty()
                && !Files.exists(RepairIt.layerDb(root, first)));
        assertFalse(Files.exists(RepairIt.layerDb(r, first)), "killed too late: the first big layer is registered");
        assertInterruptedAndRestored("k-extract", r, BIG);
    }

    /** The first big layer registered (unreferenced), the second being extracted: no config yet. */
    @Test
    void killedOnceTheFirstBigLayerIsRegistered() throws Exception {
        Path r = copy("k-registered");
        Digest first = big.chainIds().get(1);
        Digest second = big.chainIds().get(2);
        killDuring(r, this::dockerLoadBig, root -> Files.exists(RepairIt.layerDb(root, first))
                && !Files.exists(RepairIt.layerDb(root, second)));
        assertFalse(Files.exists(RepairIt.layerDb(r, second)), "killed too late: the second big layer is registered");
        assertFalse(Files.exists(RepairIt.imageConfig(r, big.imageId())), "killed too late: the config is written");
        assertInterruptedAndRestored("k-registered", r, BIG);
    }

    // ------------------------------------------------------------------ made by hand on tools

    /** The state a load cut off after its layers and before its config leaves: tools' own layers registered, no config, no tag. */
    @Test
    void layersRegisteredWithoutConfigOrTag() throws Exception {
        Path r = copy("s-layers");
        Files.delete(RepairIt.imageConfig(r, tools.imageId()));
        dropTag(r, "tools");
        assertInterruptedAndRestored("s-layers", r, "tools");
    }

    /** The load cut off between the config's temp file and its rename: a .tmp- leftover beside where the config goes. */
    @Test
    void configTempFileLeftBesideTheLayers() throws Exception {
        Path r = copy("s-tmp");
        Path config = RepairIt.imageConfig(r, tools.imageId());
        Path tmp = config.resolveSibling(".tmp-" + tools.imageId().hex() + "271828");
        Files.write(tmp, Arrays.copyOf(Files.readAllBytes(config), 100));
        Files.delete(config);
        dropTag(r, "tools");
        assertInterruptedAndRestored("s-tmp", r, "tools");
        assertFalse(Files.exists(tmp), "the leftover is removed");
    }

    /** A .tmp- leftover of tools' config on a device where tools is otherwise gone: the leftover alone is a trace. */
    @Test
    void configTempFileAloneIsATrace() throws Exception {
        Path r = GoldenStore.copy(noTools, device.work().resolve("s-tmp-alone").resolve("root"));
        Path tmp = RepairIt.imageConfig(r, tools.imageId()).resolveSibling(".tmp-" + tools.imageId().hex() + "31415");
        Files.write(tmp, Arrays.copyOf(tools.configBytes(), 200));
        assertInterruptedAndRestored("s-tmp-alone", r, "tools");
        assertFalse(Files.exists(tmp), "the leftover is removed");
    }

    /**
     * Config and layers there, the tag not yet written: the engine holds the image, so it is not
     * re-loaded: the app-store name is written back (as in AppStoreRepairIT) and nothing is pending.
     */
    @Test
    void configWithoutTagGetsItsNameBackAndIsNotReloaded() throws Exception {
        Path r = copy("s-notag");
        dropTag(r, "tools");
        RepairIt.Repaired rep = repair("s-notag", r);
        assertEquals(ExitCodes.CORRECTED, rep.exit(), String.valueOf(rep.plan()));
        rep.assertPendingExactly();
        assertEquals(1, rep.actions(WriteFile.class), "repositories.json written: " + rep.plan());
        assertNothingHealthyRemoved(rep, List.of());
        RepairIt.assertCleanDeep(r);
        try (Dockerd d = RepairIt.dockerdOn(r)) {
            assertEquals(before, imageIds(d, AppStoreDevice.APPS), "the same images under the same names");
            assertEquals(0, restorePending(d, "s-notag"));
            assertEverythingRuns(d);
        }
    }

    // ------------------------------------------------------------------ helpers

    private Path copy(String name) throws IOException {
        return GoldenStore.copy(device.root(), device.work().resolve(name).resolve("root"));
    }

    private Path state(String name) {
        return device.work().resolve(name).resolve("state");
    }

    private RepairIt.Repaired repair(String name, Path r) throws IOException {
        return RepairIt.repair(r, state(name), "--app-store", device.store().toString(), "--deep");
    }

    private Map<String, String> imageIds(Dockerd d, List<String> apps) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String app : apps) {
            String n = device.nameOfApp().get(app);
            out.put(n, d.dockerOk("image", "inspect", "--format", "{{.Id}}", n).strip());
        }
        return out;
    }

    /** Removes the app's repository from repositories.json. */
    private void dropTag(Path r, String app) throws IOException {
        String name = device.nameOfApp().get(app);
        Path repos = RepairIt.repositoriesJson(r);
        ObjectMapper json = new ObjectMapper();
        ObjectNode doc = (ObjectNode) json.readTree(repos.toFile());
        assertTrue(doc.with("Repositories").remove(name.substring(0, name.lastIndexOf(':'))) != null, "tagged: " + name);
        Files.write(repos, json.writeValueAsBytes(doc));
    }

    /** skopeo copy of the app's image from the app store to a docker-archive named as the store names it. */
    private Path skopeoArchive(String app) throws Exception {
        Path dir;
        try (Stream<Path> w = Files.walk(device.store().resolve("apps").resolve(app))) {
            dir = w.filter(p -> p.getFileName().toString().equals("index.json")).findFirst().orElseThrow().getParent();
        }
        Path tar = device.work().resolve(app + "-skopeo.tar");
        Process p = new ProcessBuilder(ResetAppsStore.SKOPEO.toString(), "--insecure-policy", "copy", "--quiet",
                "--src-shared-blob-dir", device.store().resolve("blobs").toString(), "oci:" + dir,
                "docker-archive:" + tar + ":" + device.nameOfApp().get(app)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "skopeo: " + out);
        return tar;
    }

    private CompletableFuture<?> dockerLoadBig(Dockerd d) {
        try {
            Process p = new ProcessBuilder(Dockerd.DOCKER.toString(), "-H", d.host(), "load", "-i", bigArchive.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.onExit();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Starts a dockerd on {@code r}, starts {@code load} against it, and SIGKILLs dockerd (and what
     * runs below it) as soon as {@code moment} holds of the root; fails when the load ends first.
     */
    private void killDuring(Path r, java.util.function.Function<Dockerd, CompletableFuture<?>> load, Predicate<Path> moment)
            throws Exception {
        Dockerd d = Dockerd.start(r.getParent().resolve("dockerd-killed"), r);
        CompletableFuture<?> running;
        boolean reached = false;
        try {
            running = load.apply(d);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!reached && System.nanoTime() < deadline && !running.isDone()) {
                reached = moment.test(r);
                if (!reached) {
                    Thread.sleep(1);
                }
            }
        } finally {
            d.kill9();
        }
        try {
            running.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            // the load's connection broke: expected
        }
        assertTrue(reached, "the load ended before the moment to kill it");
    }

    private static Optional<Path> importDir(Path r) throws IOException {
        Path tmp = r.resolve("tmp");
        if (!Files.isDirectory(tmp)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(p -> p.getFileName().toString().startsWith("docker-import-")).findFirst();
        }
    }

    /** What tmp/docker-import-* holds: name and size of each file. */
    private static String importListing(Path r) throws IOException {
        Optional<Path> dir = importDir(r);
        if (dir.isEmpty()) {
            return "(no import dir)";
        }
        try (Stream<Path> s = Files.walk(dir.get())) {
            return s.filter(Files::isRegularFile).map(p -> {
                try {
                    return dir.get().relativize(p) + " (" + Files.size(p) + " bytes)";
                } catch (IOException e) {
                    return dir.get().relativize(p).toString();
                }
            }).sorted().toList().toString();
        }
    }

    /** tmp/docker-import-* holds a file of that name (at its top). */
    private static boolean importHolds(Path r, String file) {
        try {
            return importDir(r).map(d -> Files.exists(d.resolve(file))).orElse(false);
        } catch (IOException e) {
            return false;
        }
    }

    static Set<String> overlayDirs(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("overlay2"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("l")).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static Set<String> newOverlayDirs(Path root, Set<String> before) {
        try {
            Set<String> now = overlayDirs(root);
            now.removeAll(before);
            return now;
        } catch (IOException e) {
            return Set.of();
        }
    }

    private int restorePending(Dockerd d, String name) {
        return Main.run("restore", "--pending", "--host", d.host(), "--app-store", device.store().toString(),
                "--state-dir", state(name).toString());
    }

    /** No layer, container or config of a loaded app's image is removed, and no other image is recorded. */
    private void assertNothingHealthyRemoved(RepairIt.Repaired rep, List<String> except) throws Exception {
        Set<String> chains = new TreeSet<>();
        Set<String> ids = new TreeSet<>();
        for (String app : AppStoreDevice.APPS) {
            if (!except.contains(app)) {
                device.image(app).chainIds().forEach(c -> chains.add(c.toString()));
                ids.add(device.image(app).imageId().hex());
            }
        }
        assertEquals(0, rep.actions(RemoveContainer.class), "no container removed: " + rep.plan());
        for (Action a : rep.plan() == null ? List.<Action>of() : rep.plan().actions()) {
            if (a instanceof RemoveLayer l) {
                assertFalse(chains.contains(l.chainId()), "a healthy layer removed: " + l);
            }
            if (a instanceof RemovePath p) {
                assertFalse(ids.stream().anyMatch(p.path()::endsWith), "a healthy image removed: " + p);
            }
        }
    }

    /**
     * repair --app-store --deep records exactly {@code app}'s image, reason interrupted-load, under
     * its app-store name; restore --pending then loads it with its app-store ID; everything runs
     * and the store checks clean with no leftover.
     */
    private void assertInterruptedAndRestored(String name, Path r, String app) throws Exception {
        assertInterruptedAndRestored(name, r, app, "");
    }

    /** As above; {@code context} (what the crash left) is added to the messages about what is pending. */
    private void assertInterruptedAndRestored(String name, Path r, String app, String context) throws Exception {
        StoreImage image = device.image(app);
        RepairIt.Repaired rep = repair(name, r);
        assertEquals(ExitCodes.CORRECTED, rep.exit(), name + ": " + rep.plan());
        assertEquals(1, rep.actions(RecordPendingRestore.class), name + ": " + context + "; plan: " + rep.plan());
        List<PendingRestore.Entry> pending = rep.pending();
        assertEquals(List.of(image.imageId()), pending.stream().map(PendingRestore.Entry::imageId).toList(),
                name + ": exactly " + app + " is pending: " + pending + "\nplan: " + rep.plan());
        PendingRestore.Entry e = pending.get(0);
        assertEquals(INTERRUPTED, e.reason(), name + ": " + e);
        assertTrue(e.tags().contains(device.nameOfApp().get(app)), name + ": under its app-store name: " + e);
        assertNothingHealthyRemoved(rep, List.of(app));

        try (Dockerd d = RepairIt.dockerdOn(r)) {
            List<String> others = AppStoreDevice.APPS.stream().filter(a -> !a.equals(app)).toList();
            Map<String, String> kept = new LinkedHashMap<>(before);
            kept.keySet().retainAll(others.stream().map(device.nameOfApp()::get).toList());
            assertEquals(kept, imageIds(d, others), name + ": the healthy images are kept");
            assertEquals(0, restorePending(d, name), name + ": restore --pending");
            assertEquals(List.of(), new PendingRestore(state(name)).read(), name + ": restored entries are cleared");
            assertEquals(image.imageId().toString(), d.dockerOk("image", "inspect", "--format", "{{.Id}}",
                    device.nameOfApp().get(app)).strip(), name + ": " + app + " has its app-store image ID");
            assertEquals(before, imageIds(d, AppStoreDevice.APPS), name + ": every loaded app as before");
            assertEverythingRuns(d);
            if (app.equals(BIG)) {
                String size = d.dockerOk("run", "--rm", "--network", "none", device.nameOfApp().get(BIG), "sh", "-c",
                        "wc -c < /big1/f0.bin; wc -c < /big2/f1.bin");
                assertEquals(FILE_SIZE + "\n" + FILE_SIZE, size.strip(), name + ": the big app runs");
            }
            RepairIt.assertNoStoreErrors(d);
        }
        RepairIt.assertCleanDeep(r);
        assertEquals(ExitCodes.CLEAN, Main.run("check", "--root", r.toString(), "--deep", "--app-store",
                device.store().toString()), name + ": clean against the app store: " + RepairIt.findings(r, true));
        assertNoLeftovers(r);
    }

    private void assertEverythingRuns(Dockerd d) {
        for (String app : AppStoreDevice.APPS) {
            RepairIt.assertRuns(d, device.nameOfApp().get(app), AppStoreDevice.SAMPLE_OF_APP.get(app));
        }
        Dockerd.Result started = d.docker("start", "-a", device.containerId());
        assertTrue(started.ok(), "docker start -a kiosk-ctr: " + started.stderr() + "\n" + d.logTail());
        assertEquals(RepairIt.EXPECTED.get(SampleSet.C), started.stdout(), "the old container runs");
    }

    private static void assertNoLeftovers(Path r) throws IOException {
        for (Path dir : List.of(r.resolve("tmp"), r.resolve("image/overlay2/layerdb/tmp"))) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    List<Path> left = s.toList();
                    if (!left.isEmpty()) {
                        fail("left in " + dir + ": " + left);
                    }
                }
            }
        }
    }
}
