package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.model.Digest;
import dev.dockfsck.repair.plan.ExtractLayer;
import dev.dockfsck.repair.plan.RecordPendingRestore;
import dev.dockfsck.repair.plan.RemoveContainer;
import dev.dockfsck.repair.plan.RemoveLayer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A lost overlay2 directory of a middle layer (the busybox+app layer that the kiosk and shop apps
 * share, with the kiosk container on an image above it) on a device whose engine was loaded from
 * a skopeo-made reset-apps store: {@code repair --deep --app-store} re-extracts it into the same
 * cache-id from the app store's blob; nothing is removed or re-loaded, the re-check is clean, the
 * real dockerd runs every app and the old container, and {@code docker save} of every image works.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReextractLayerIT {
    AppStoreDevice device;

    @BeforeAll
    void setUp() throws Exception {
        device = AppStoreDevice.make("dfk-extract");
    }

    @AfterAll
    void tearDown() throws Exception {
        if (device != null) {
            device.delete();
        }
    }

    private Digest middle() {
        return SampleSet.image(SampleSet.C).chainIds().get(1);
    }

    private Map<String, String> imageState(Dockerd d) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String n : device.nameOfApp().values()) {
            out.put(n, d.dockerOk("image", "inspect", "--format", "{{.Id}} {{.Created}}", n).strip());
        }
        return out;
    }

    @Test
    void aLostOverlayDirIsReextractedIntoTheSameCacheId() throws Exception {
        assertReextracted("dir", true, false);
    }

    /** Its l/ entry gone too: the link comes back under the id the dirs standing on it name in their lower. */
    @Test
    void aLostOverlayDirAndItsShortLinkAreReextractedUnderTheLinkTheLayersAboveName() throws Exception {
        assertReextracted("dir-and-link", true, true);
    }

    @Test
    void aLostDiffDirIsReextractedInPlace() throws Exception {
        assertReextracted("diff", false, false);
    }

    private void assertReextracted(String name, boolean wholeDir, boolean shortLinkToo) throws Exception {
        Path r = GoldenStore.copy(device.root(), device.work().resolve(name).resolve("root"));
        Map<String, String> before;
        try (Dockerd d = RepairIt.dockerdOn(r)) {
            before = imageState(d);
        }
        String cacheId = RepairIt.cacheId(r, middle());
        String link = RepairIt.linkId(r, middle());
        Path dir = RepairIt.overlayDir(r, middle());
        RepairIt.rmTree(wholeDir ? dir : dir.resolve("diff"));
        if (shortLinkToo) {
            Files.delete(r.resolve("overlay2/l").resolve(link));
        }
        assertTrue(RepairIt.codes(r, false).contains(wholeDir ? FindingCode.LAYER_CACHE_DIR_MISSING
                : FindingCode.OVERLAY_DIFF_MISSING), RepairIt.findings(r, false).toString());

        RepairIt.Repaired rep = RepairIt.repair(r, device.work().resolve(name).resolve("state"), "--deep",
                "--app-store", device.store().toString());
        assertEquals(1, rep.exit(), "errors corrected: " + rep.plan());
        assertEquals(1, rep.actions(ExtractLayer.class), String.valueOf(rep.plan()));
        assertEquals(0, rep.actions(RemoveLayer.class), "no layer removed");
        assertEquals(0, rep.actions(RemoveContainer.class), "no container removed");
        assertEquals(0, rep.actions(RecordPendingRestore.class), "nothing to re-inject");
        assertEquals(cacheId, RepairIt.cacheId(r, middle()), "the same cache-id");
        assertEquals(link, Files.readString(dir.resolve("link")), "the same short link");
        assertTrue(Files.isDirectory(dir.resolve("work"), LinkOption.NOFOLLOW_LINKS), "work/ of a layer with a parent");
        assertTrue(Files.exists(dir.resolve("committed"), LinkOption.NOFOLLOW_LINKS), "committed: layers stand on it");

        RepairIt.assertCleanDeep(r);
        try (Dockerd d = RepairIt.dockerdOn(r)) {
            assertEquals(before, imageState(d), "no image was removed or re-loaded");
            for (String app : AppStoreDevice.APPS) {
                RepairIt.assertRuns(d, device.nameOfApp().get(app), AppStoreDevice.SAMPLE_OF_APP.get(app));
                Path saved = device.work().resolve(name).resolve(app + ".tar");
                Dockerd.Result save = d.docker("save", "-o", saved.toString(), device.nameOfApp().get(app));
                assertTrue(save.ok(), "docker save " + app + ": " + save.stderr());
            }
            Dockerd.Result started = d.docker("start", "-a", device.containerId());
            assertTrue(started.ok(), started.stderr());
            assertEquals(RepairIt.EXPECTED.get(SampleSet.C), started.stdout(), "the container runs on the re-extracted layer");
        }
    }

    @Test
    void withoutAnAppStoreTheLayerIsRemovedAsBefore() throws Exception {
        Path r = GoldenStore.copy(device.root(), device.work().resolve("noapp").resolve("root"));
        RepairIt.rmTree(RepairIt.overlayDir(r, middle()));
        RepairIt.Repaired rep = RepairIt.repair(r, device.work().resolve("noapp").resolve("state"), "--deep");
        assertEquals(0, rep.actions(ExtractLayer.class), "no source: nothing to re-extract from");
        assertEquals(4, rep.exit(), "the damage is reported: the kiosk container keeps its chain, so the layer stays: " + rep.plan());
        assertEquals(0, rep.actions(RemoveContainer.class), "no container removed without --force");
        // the lost layer and everything below it stay for the kiosk container; only the shop app's own
        // top layer, which stands on the lost one and which no container needs, goes with its image
        java.util.List<String> removed = rep.plan().actions().stream().filter(RemoveLayer.class::isInstance)
                .map(a -> ((RemoveLayer) a).chainId()).toList();
        for (Digest kept : SampleSet.image(SampleSet.C).chainIds()) {
            assertFalse(removed.contains(kept.toString()), "the container's chain is kept: " + removed);
        }
        java.util.List<Digest> shop = SampleSet.image(AppStoreDevice.SAMPLE_OF_APP.get("shop")).chainIds();
        assertEquals(shop.subList(2, shop.size()).stream().map(Digest::toString).toList(), removed,
                "only what stands on the lost layer and no container needs");
        assertTrue(rep.plan().actions().stream().filter(RecordPendingRestore.class::isInstance)
                .flatMap(a -> ((RecordPendingRestore) a).images().stream())
                .anyMatch(i -> i.tags().contains(device.nameOfApp().get("shop"))), "the shop image is recorded for restore: " + rep.plan());
        try (Dockerd d = RepairIt.dockerdOn(r)) {
            // the tools app does not stand on the lost layer: nothing healthy is lost
            RepairIt.assertRuns(d, device.nameOfApp().get("tools"), AppStoreDevice.SAMPLE_OF_APP.get("tools"));
        }
    }

    /** The tar-split of the middle layer deleted, emptied or cut: rebuilt from the app store, proven against diff/. */
    @Test
    void aLostEmptiedOrCutTarSplitIsRebuiltAndDockerSaveWorksAgain() throws Exception {
        for (String how : java.util.List.of("deleted", "emptied", "cut")) {
            Path r = GoldenStore.copy(device.root(), device.work().resolve("ts-" + how).resolve("root"));
            Path ts = RepairIt.layerDb(r, middle()).resolve("tar-split.json.gz");
            byte[] original = Files.readAllBytes(ts);
            switch (how) {
                case "deleted" -> Files.delete(ts);
                case "emptied" -> Files.write(ts, new byte[0]);
                default -> RepairIt.truncate(ts, original.length / 2);
            }
            try (Dockerd d = RepairIt.dockerdOn(r)) {
                assertFalse(d.docker("save", "-o", device.work().resolve("ts-" + how).resolve("before.tar").toString(),
                        device.nameOfApp().get("kiosk")).ok(), "docker save fails without the tar-split (" + how + ")");
            }
            RepairIt.Repaired rep = RepairIt.repair(r, device.work().resolve("ts-" + how).resolve("state"), "--deep",
                    "--app-store", device.store().toString());
            assertEquals(1, rep.exit(), how + ": " + rep.plan());
            assertEquals(1, rep.actions(dev.dockfsck.repair.plan.RebuildTarSplit.class), how + ": " + rep.plan());
            assertEquals(0, rep.actions(RemoveLayer.class), "no layer removed");
            assertEquals(0, rep.actions(RecordPendingRestore.class), "nothing to re-inject");
            RepairIt.assertCleanDeep(r);
            try (Dockerd d = RepairIt.dockerdOn(r)) {
                for (String app : AppStoreDevice.APPS) {
                    Dockerd.Result save = d.docker("save", "-o", device.work().resolve("ts-" + how).resolve(app + ".tar").toString(),
                            device.nameOfApp().get(app));
                    assertTrue(save.ok(), how + ": docker save " + app + ": " + save.stderr());
                    RepairIt.assertRuns(d, device.nameOfApp().get(app), AppStoreDevice.SAMPLE_OF_APP.get(app));
                }
            }
        }
    }

    /**
     * Mode (set-uid lost), owner and an xattr of layer files changed on disk, content intact: the
     * deep check names them and repair restores them in place from the layer's own tar-split,
     * without an app store; the re-check is clean and the apps run.
     */
    @Test
    void changedModeOwnerAndXattrAreRestoredInPlaceWithoutAnAppStore() throws Exception {
        Path r = GoldenStore.copy(device.root(), device.work().resolve("meta").resolve("root"));
        Path diff = RepairIt.overlayDir(r, SampleSet.image(SampleSet.A).chainIds().get(0)).resolve("diff");
        Path busybox = diff.resolve("bin/busybox");
        int mode = ((Number) Files.getAttribute(busybox, "unix:mode")).intValue() & 07777;
        dev.dockfsck.model.fs.Posix.chmod(busybox, 0700);
        dev.dockfsck.model.fs.Posix.lchown(diff.resolve("tmp"), 1000, 1000);
        dev.dockfsck.model.fs.Posix.setXattr(diff.resolve("bin"), "user.planted", new byte[] {'x'});
        java.util.List<String> found = RepairIt.findings(r, true);
        assertTrue(RepairIt.codes(r, true).contains(FindingCode.LAYER_ENTRY_MISMATCH), found.toString());

        RepairIt.Repaired rep = RepairIt.repair(r, device.work().resolve("meta").resolve("state"), "--deep");
        assertEquals(1, rep.exit(), String.valueOf(rep.plan()));
        assertEquals(1, rep.actions(dev.dockfsck.repair.plan.RestoreEntryMetadata.class), String.valueOf(rep.plan()));
        assertEquals(0, rep.actions(RemoveLayer.class), "no layer removed");
        assertEquals(mode, ((Number) Files.getAttribute(busybox, "unix:mode")).intValue() & 07777);
        assertEquals(0, ((Number) Files.getAttribute(diff.resolve("tmp"), "unix:uid")).intValue());
        assertFalse(dev.dockfsck.model.fs.Posix.getXattr(diff.resolve("bin"), "user.planted").isPresent());
        RepairIt.assertCleanDeep(r);
        try (Dockerd d = RepairIt.dockerdOn(r)) {
            for (String app : AppStoreDevice.APPS) {
                RepairIt.assertRuns(d, device.nameOfApp().get(app), AppStoreDevice.SAMPLE_OF_APP.get(app));
            }
        }
    }
}
