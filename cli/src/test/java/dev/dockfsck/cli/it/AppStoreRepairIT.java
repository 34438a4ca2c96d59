package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.cli.Main;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.model.Digest;
import dev.dockfsck.repair.plan.HealLayerFiles;
import dev.dockfsck.repair.plan.RecordPendingRestore;
import dev.dockfsck.repair.plan.RemoveLayer;
import dev.dockfsck.repair.restore.PendingRestore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The restorable app store working with repair, against the real dockerd and skopeo: a device
 * whose engine was loaded from a reset-apps store written by skopeo (three apps sharing the
 * busybox base layer) and a container on one of them. Power-cut damage to the shared base layer
 * is healed in place (nothing removed, nothing re-loaded, the container survives); damage that
 * cannot be healed removes exactly the damaged images and {@code restore --pending} brings back
 * exactly those.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AppStoreRepairIT {
    static final List<String> APPS = AppStoreDevice.APPS;
    static final Map<String, String> SAMPLE_OF_APP = AppStoreDevice.SAMPLE_OF_APP;

    AppStoreDevice device;
    Path work;
    Path store;
    Path root;
    Map<String, String> nameOfApp;
    String containerId;

    @BeforeAll
    void setUp() throws Exception {
        device = AppStoreDevice.make("dfk-apps");
        work = device.work();
        store = device.store();
        root = device.root();
        nameOfApp = device.nameOfApp();
        containerId = device.containerId();
    }

    @AfterAll
    void tearDown() throws Exception {
        if (device != null) {
            device.delete();
        }
    }

    private Path copy(String name) throws IOException {
        return GoldenStore.copy(root, work.resolve(name).resolve("root"));
    }

    /** The apps' images as a dockerd on {@code r} sees them (started and stopped for it). */
    private Map<String, String> imageState(Path r) throws IOException {
        try (Dockerd d = RepairIt.dockerdOn(r)) {
            return imageState(d, nameOfApp.values());
        }
    }

    private static Map<String, String> imageState(Dockerd d, Iterable<String> names) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String n : names) {
            out.put(n, d.dockerOk("image", "inspect", "--format", "{{.Id}} {{.Created}} {{json .RootFS.Layers}}", n).strip());
        }
        return out;
    }

    private Path baseLayerFile(Path r, String file) throws IOException {
        Digest base = SampleSet.image(SampleSet.A).chainIds().get(0);
        return RepairIt.overlayDir(r, base).resolve("diff").resolve(file);
    }

    @Test
    void aZeroLengthBinaryInTheSharedBaseLayerIsHealedInPlaceAndTheContainerStillStarts() throws Exception {
        Path r = copy("heal");
        Map<String, String> before = imageState(r);
        Path busybox = baseLayerFile(r, "bin/busybox");
        Files.write(busybox, new byte[0]);

        healsInPlace(r, "heal");
        assertArrayEquals(SampleSet.busybox(), Files.readAllBytes(busybox));
        everythingRunsAsBefore(r, before);
    }

    /** {@code repair --deep --app-store}: one heal action, nothing removed, nothing to re-inject. */
    private void healsInPlace(Path r, String name) throws IOException {
        RepairIt.Repaired rep = RepairIt.repair(r, work.resolve(name).resolve("state"), "--deep", "--app-store", store.toString());
        assertEquals(1, rep.exit(), "errors corrected");
        assertEquals(1, rep.actions(HealLayerFiles.class), String.valueOf(rep.plan()));
        assertEquals(0, rep.actions(RemoveLayer.class), "no layer removed");
        assertEquals(0, rep.actions(RecordPendingRestore.class), "no image to re-inject");
    }

    /** The deep check is clean; dockerd holds the same images, every app runs and so does the old container. */
    private void everythingRunsAsBefore(Path r, Map<String, String> before) throws IOException {
        RepairIt.assertCleanDeep(r);
        try (Dockerd d = RepairIt.dockerdOn(r)) {
            assertEquals(before, imageState(d, nameOfApp.values()), "no image was removed or re-loaded");
            for (String app : APPS) {
                RepairIt.assertRuns(d, nameOfApp.get(app), SAMPLE_OF_APP.get(app));
            }
            Dockerd.Result started = d.docker("start", "-a", containerId);
            assertTrue(started.ok(), started.stderr());
            assertEquals(RepairIt.EXPECTED.get(SampleSet.C), started.stdout(), "the container runs on the healed layer");
        }
    }

    /**
     * bin/sh (a symbolic link) and /tmp (a sticky directory) lost from the shared base layer: the
     * layer still hashes to its diffID, yet every container's "sh -c" fails. The deep check names
     * them, repair recreates them from the app store's tar in place, and everything runs again.
     */
    @Test
    void lostEntriesWithoutContentInTheSharedBaseAreRecreatedInPlace() throws Exception {
        Path r = copy("entries");
        Map<String, String> before = imageState(r);
        Files.delete(baseLayerFile(r, "bin/sh"));
        Files.delete(baseLayerFile(r, "tmp"));
        try (Dockerd d = RepairIt.dockerdOn(r)) {
            Dockerd.Result broken = d.docker("run", "--rm", "--network", "none", nameOfApp.get("kiosk"), "sh", "-c", "echo x");
            assertFalse(broken.ok(), "without bin/sh nothing starts: " + broken);
        }
        assertTrue(RepairIt.codes(r, true).contains(dev.dockfsck.checker.FindingCode.LAYER_ENTRY_MISMATCH));

        healsInPlace(r, "entries");
        assertEquals("busybox", Files.readSymbolicLink(baseLayerFile(r, "bin/sh")).toString());
        assertEquals(01777, (int) Files.getAttribute(baseLayerFile(r, "tmp"), "unix:mode") & 07777);
        everythingRunsAsBefore(r, before);
    }

    @Test
    void damageBeyondContentRemovesExactlyTheDamagedImagesAndRestorePendingBringsBackExactlyThose() throws Exception {
        Path r = copy("pending");
        // the cache-id of the top layers of tools (B) and shop (A) emptied: no app-store copy can heal metadata
        for (String app : List.of("tools", "shop")) {
            Digest top = SampleSet.image(SAMPLE_OF_APP.get(app)).topChainId();
            RepairIt.empty(RepairIt.layerDb(r, top).resolve("cache-id"));
        }
        Path state = work.resolve("pending/state");
        RepairIt.Repaired rep = RepairIt.repair(r, state, "--app-store", store.toString());
        assertEquals(1, rep.exit(), String.valueOf(rep.plan()));
        List<PendingRestore.Entry> pending = new PendingRestore(state).read();
        assertEquals(Set.of(nameOfApp.get("tools"), nameOfApp.get("shop")),
                pending.stream().flatMap(e -> e.tags().stream()).collect(Collectors.toSet()),
                "pending-restore.json names exactly the removed images, by their app-store names");

        try (Dockerd d = RepairIt.dockerdOn(r)) {
            Map<String, String> kiosk = imageState(d, List.of(nameOfApp.get("kiosk")));
            assertEquals(0, Main.run("restore", "--pending", "--host", d.host(), "--app-store", store.toString(),
                    "--state-dir", state.toString()));
            assertEquals(List.of(), new PendingRestore(state).read(), "restored entries are cleared");
            assertEquals(kiosk, imageState(d, List.of(nameOfApp.get("kiosk"))), "the untouched image was not re-loaded");
            for (String app : APPS) {
                RepairIt.assertRuns(d, nameOfApp.get(app), SAMPLE_OF_APP.get(app));
            }
            Dockerd.Result started = d.docker("start", "-a", containerId);
            assertTrue(started.ok(), started.stderr());
        }
        RepairIt.assertCleanDeep(r);
    }

    /**
     * A power cut after docker load stored kiosk's image and before it wrote its tag: dockerd
     * shows the image as {@code <none>} and the app's name finds nothing. With the app store the
     * check names the lost tag, repair writes it back, and the app and its container run.
     */
    @Test
    void aTagLostBeforeDockerLoadWroteItIsWrittenBackFromTheAppStore() throws Exception {
        Path r = copy("untagged");
        String kiosk = nameOfApp.get("kiosk");
        Path repos = RepairIt.repositoriesJson(r);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode doc = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(repos.toFile());
        doc.with("Repositories").remove(kiosk.substring(0, kiosk.lastIndexOf(':')));
        Files.write(repos, json.writeValueAsBytes(doc));
        try (Dockerd d = RepairIt.dockerdOn(r)) {
            assertFalse(d.docker("image", "inspect", kiosk).ok(), "dockerd has lost the name");
        }
        assertEquals(4, Main.run("check", "--root", r.toString(), "--app-store", store.toString()));
        RepairIt.Repaired rep = RepairIt.repair(r, work.resolve("untagged/state"), "--app-store", store.toString());
        assertEquals(1, rep.exit(), String.valueOf(rep.plan()));
        assertEquals(0, rep.actions(RecordPendingRestore.class), "nothing to re-load: the image is there");
        RepairIt.assertCleanDeep(r);
        try (Dockerd d = RepairIt.dockerdOn(r)) {
            for (String app : APPS) {
                RepairIt.assertRuns(d, nameOfApp.get(app), SAMPLE_OF_APP.get(app));
            }
            Dockerd.Result started = d.docker("start", "-a", containerId);
            assertTrue(started.ok(), started.stderr());
        }
    }
}
