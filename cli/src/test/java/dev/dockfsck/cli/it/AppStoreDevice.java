package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dockfsck.cli.Main;
import dev.dockfsck.fixtures.appstore.ResetAppsStore;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import dev.dockfsck.fixtures.image.BuiltImage;
import dev.dockfsck.fixtures.image.SampleSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A device that keeps a restorable app store: a reset-apps store written by skopeo (three apps
 * sharing the busybox base layer), an engine root loaded from it by {@code restore --all} through
 * the real dockerd, a container {@code kiosk-ctr} on the kiosk app, and a volume with user data.
 *
 * @param work        the temporary directory holding it all ({@link #delete()} removes it)
 * @param store       the app store
 * @param root        the engine's data root (dockerd stopped)
 * @param nameOfApp   app -> its image's app-store name
 * @param containerId the container on the kiosk app
 */
record AppStoreDevice(Path work, Path store, Path root, Map<String, String> nameOfApp, String containerId) {
    static final List<String> APPS = List.of("shop", "tools", "kiosk");
    static final Map<String, String> SAMPLE_OF_APP = Map.of("shop", SampleSet.A, "tools", SampleSet.B, "kiosk", SampleSet.C);

    /** Makes one under a new /tmp directory; skips the test when dockerd, skopeo or busybox is missing. */
    static AppStoreDevice make(String prefix) throws Exception {
        return make(prefix, Map.of());
    }

    /**
     * As {@link #make(String)}, with more apps in the store ({@code neverLoaded}: app -> its image)
     * that the engine was never loaded with: no layer, config or tag of theirs is in the root
     * (beyond the layers they share with the loaded apps). Their names are in {@link #nameOfApp}.
     */
    static AppStoreDevice make(String prefix, Map<String, BuiltImage> neverLoaded) throws Exception {
        Dockerd.assumeAvailable();
        assumeTrue(ResetAppsStore.available() && SampleSet.runnable(), "needs skopeo and busybox");
        Path work = Files.createTempDirectory(Path.of("/tmp"), prefix);
        Path store = work.resolve("reset-apps");
        List<BuiltImage> images = new ArrayList<>(SampleSet.images());
        List<String> apps = new ArrayList<>(APPS);
        neverLoaded.forEach((app, image) -> {
            apps.add(app);
            images.add(image);
        });
        List<ResetAppsStore.Entry> entries = ResetAppsStore.write(store, images, apps, work.resolve("archives"));
        Path root = work.resolve("root");
        String containerId;
        try (Dockerd d = Dockerd.start(work.resolve("d0"), root)) {
            List<String> restore = new ArrayList<>(List.of("restore", "--host", d.host(), "--app-store", store.toString()));
            if (neverLoaded.isEmpty()) {
                restore.add("--all");
            } else {
                APPS.forEach(a -> restore.addAll(List.of("--app", a)));
            }
            assertEquals(0, Main.run(restore.toArray(String[]::new)), "the device is loaded from its app store");
            containerId = d.dockerOk("create", "--network", "none", "--name", "kiosk-ctr",
                    ResetAppsStore.namesByApp(entries).get("kiosk"), "sh", "-c", RepairIt.PROBE.get(SampleSet.C)).strip();
            // user data the repair must never touch (RepairIt.repair checks it)
            d.dockerOk("volume", "create", GoldenStore.VOLUME);
            Files.write(root.resolve("volumes").resolve(GoldenStore.VOLUME).resolve("_data").resolve(GoldenStore.VOLUME_FILE),
                    GoldenStore.VOLUME_CONTENT);
            for (String app : neverLoaded.keySet()) {
                assertTrue(!d.docker("image", "inspect", ResetAppsStore.namesByApp(entries).get(app)).ok(),
                        app + " is not loaded");
            }
        }
        return new AppStoreDevice(work, store, root, ResetAppsStore.namesByApp(entries), containerId);
    }

    /** The app's image as the app store holds it (its ID is what the engine was loaded with). */
    dev.dockfsck.model.appstore.StoreImage image(String app) throws Exception {
        try (dev.dockfsck.model.appstore.AppStore s = dev.dockfsck.model.appstore.AppStore.open(store)) {
            return s.images().stream().filter(i -> i.app().equals(app)).findFirst().orElseThrow();
        }
    }

    void delete() throws Exception {
        new ProcessBuilder("rm", "-rf", work.toString()).inheritIO().start().waitFor();
    }
}
