package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.cli.ExitCodes;
import dev.dockfsck.cli.Main;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.model.Digest;
import dev.dockfsck.repair.plan.Action;
import dev.dockfsck.repair.plan.RecordPendingRestore;
import dev.dockfsck.repair.plan.RemoveContainer;
import dev.dockfsck.repair.plan.RemoveLayer;
import dev.dockfsck.repair.plan.RemovePath;
import dev.dockfsck.repair.plan.WriteImageConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The kiosk image's config ({@code imagedb/content/sha256/<id>}, the image kiosk-ctr was created
 * from) emptied, cut to half or deleted by a power cut, on a device loaded from its app store:
 * the app store holds the very bytes (the image ID is their sha256), so {@code repair --deep
 * --app-store} writes them back (one WriteImageConfig, mode 0600 as dockerd writes it) instead of
 * removing the image and its container; nothing is removed or recorded for restore, the re-check
 * is clean, dockerd holds the same image IDs, runs every app and the old container, and saves
 * every image. Without the app store the repair takes today's path and harms no other app.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageConfigWriteBackIT {
    AppStoreDevice device;
    Digest kiosk;
    byte[] original;
    Map<String, String> before;

    @BeforeAll
    void setUp() throws Exception {
        device = AppStoreDevice.make("dfk-config");
        kiosk = device.image("kiosk").imageId();
        Path config = RepairIt.imageConfig(device.root(), kiosk);
        original = Files.readAllBytes(config);
        assertEquals(kiosk, Digest.sha256Of(original), "the engine holds the app store's config bytes");
        assertTrue(Files.readString(device.root().resolve("containers").resolve(device.containerId()).resolve("config.v2.json"))
                .contains("\"Image\":\"" + kiosk + "\""), "kiosk-ctr was created from the kiosk image");
        try (Dockerd d = RepairIt.dockerdOn(GoldenStore.copy(device.root(), device.work().resolve("before").resolve("root")))) {
            before = imageIds(d);
        }
    }

    @AfterAll
    void tearDown() throws Exception {
        if (device != null) {
            device.delete();
        }
    }

    private Map<String, String> imageIds(Dockerd d) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String app : AppStoreDevice.APPS) {
            String n = device.nameOfApp().get(app);
            out.put(n, d.dockerOk("image", "inspect", "--format", "{{.Id}}", n).strip());
        }
        return out;
    }

    /** A copy of the device at {@code work/dir/root} with the kiosk config emptied, halved or deleted. */
    private Path damaged(String dir, String how) throws Exception {
        Path r = GoldenStore.copy(device.root(), device.work().resolve(dir).resolve("root"));
        Path config = RepairIt.imageConfig(r, kiosk);
        switch (how) {
            case "emptied" -> RepairIt.empty(config);
            case "halved" -> RepairIt.truncate(config, original.length / 2);
            case "deleted" -> Files.delete(config);
            default -> throw new IllegalArgumentException(how);
        }
        assertFalse(Main.run("check", "--root", r.toString()) == ExitCodes.CLEAN, how + ": the check sees the damage");
        return r;
    }

    @Test
    void anEmptiedConfigIsWrittenBackFromTheAppStore() throws Exception {
        assertWrittenBack("emptied");
    }

    @Test
    void aConfigCutToHalfIsWrittenBackFromTheAppStore() throws Exception {
        assertWrittenBack("halved");
    }

    @Test
    void aDeletedConfigIsWrittenBackFromTheAppStore() throws Exception {
        assertWrittenBack("deleted");
    }

    private void assertWrittenBack(String how) throws Exception {
        Path r = damaged(how, how);
        RepairIt.Repaired rep = RepairIt.repair(r, device.work().resolve(how).resolve("state"), "--app-store",
                device.store().toString(), "--deep");
        assertEquals(ExitCodes.CORRECTED, rep.exit(), how + ": " + rep.plan());
        assertEquals(1, rep.actions(WriteImageConfig.class), how + ": one write-back: " + rep.plan());
        WriteImageConfig w = rep.plan().actions().stream().filter(WriteImageConfig.class::isInstance)
                .map(WriteImageConfig.class::cast).findFirst().orElseThrow();
        assertEquals(kiosk.toString(), w.imageId(), how + ": of the kiosk image: " + w);
        assertEquals(r.relativize(RepairIt.imageConfig(r, kiosk)).toString(), w.path(), how + ": to its config file");
        assertEquals(0, rep.actions(RemoveLayer.class), how + ": no layer removed: " + rep.plan());
        assertEquals(0, rep.actions(RemoveContainer.class), how + ": no container removed: " + rep.plan());
        assertEquals(List.of(), rep.plan().actions().stream().filter(a -> a instanceof RemovePath p
                && p.path().contains("imagedb")).toList(), how + ": no image removed");
        assertEquals(0, rep.actions(RecordPendingRestore.class), how + ": nothing to re-load");
        rep.assertPendingExactly();

        Path config = RepairIt.imageConfig(r, kiosk);
        assertArrayEquals(original, Files.readAllBytes(config), how + ": the config's own bytes are back");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(config)), how + ": mode 0600");
        assertEquals(0, ((Number) Files.getAttribute(config, "unix:uid")).intValue(), how + ": owned by root");
        RepairIt.assertCleanDeep(r);
        assertEquals(ExitCodes.CLEAN, Main.run("check", "--root", r.toString(), "--deep", "--app-store", device.store().toString()),
                how + ": clean against the app store too");

        try (Dockerd d = RepairIt.dockerdOn(r)) {
            assertEquals(before, imageIds(d), how + ": the same image IDs under every app's name");
            for (String app : AppStoreDevice.APPS) {
                RepairIt.assertRuns(d, device.nameOfApp().get(app), AppStoreDevice.SAMPLE_OF_APP.get(app));
            }
            Dockerd.Result started = d.docker("start", "-a", device.containerId());
            assertTrue(started.ok(), how + ": docker start -a kiosk-ctr: " + started.stderr() + "\n" + d.logTail());
            assertEquals(RepairIt.EXPECTED.get(SampleSet.C), started.stdout(), how + ": the old container runs");
            for (String app : AppStoreDevice.APPS) {
                Path saved = device.work().resolve(how).resolve(app + ".tar");
                Dockerd.Result save = d.docker("save", "-o", saved.toString(), device.nameOfApp().get(app));
                assertTrue(save.ok(), how + ": docker save " + app + ": " + save.stderr());
            }
            RepairIt.assertNoStoreErrors(d);
        }
    }

    /**
     * Without an app store there is nothing to write back from: no WriteImageConfig; the damage
     * is reported or the image is recorded for restore; shop and tools (which share the base and
     * middle layers) keep their images, layers and tags, and run.
     */
    @Test
    void withoutAnAppStoreAnEmptiedConfigTakesTodaysPathAndNoOtherAppIsHarmed() throws Exception {
        Path r = damaged("noapp", "emptied");
        RepairIt.Repaired rep = RepairIt.repair(r, device.work().resolve("noapp").resolve("state"), "--deep");
        assertTrue(rep.plan() == null || rep.actions(WriteImageConfig.class) == 0, "no source to write back from: " + rep.plan());
        assertTrue(rep.exit() != ExitCodes.CLEAN || rep.pendingIds().contains(kiosk.toString()),
                "the damage is reported or the image recorded for restore: exit " + rep.exit() + ", " + rep.plan());
        Set<Digest> others = new TreeSet<>();
        for (String app : List.of("shop", "tools")) {
            others.addAll(device.image(app).chainIds());
            assertFalse(rep.pendingIds().contains(device.image(app).imageId().toString()), app + " is not recorded for restore");
        }
        if (rep.plan() != null) {
            for (Action a : rep.plan().actions()) {
                if (a instanceof RemoveLayer l) {
                    assertFalse(others.stream().anyMatch(c -> l.chainId().equals(c.toString())),
                            "a layer of another app removed: " + l);
                }
            }
        }
        // the kiosk image itself may still be broken (kept for its container): dockerd may log that, so no log check
        try (Dockerd d = Dockerd.start(r.getParent().resolve("dockerd-after"), r)) {
            for (String app : List.of("shop", "tools")) {
                String n = device.nameOfApp().get(app);
                assertEquals(before.get(n), d.dockerOk("image", "inspect", "--format", "{{.Id}}", n).strip(), app + " is kept");
                RepairIt.assertRuns(d, n, AppStoreDevice.SAMPLE_OF_APP.get(app));
            }
        }
    }
}
