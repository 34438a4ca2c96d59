package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dockfsck.checker.Checker;
import dev.dockfsck.checker.ContentVerifier;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.TarSplitContentVerifier;
import dev.dockfsck.cli.ExitCodes;
import dev.dockfsck.cli.Main;
import dev.dockfsck.fixtures.appstore.ResetAppsStore;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.StoreImage;
import dev.dockfsck.model.store.DataRootReader;
import dev.dockfsck.repair.restore.PendingRestore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A healthy device whose images were put there with {@code docker load} under their own tags
 * ({@code dockfsck/<app>:v1}, the real dockerd, a container on one), beside a reset-apps store
 * that skopeo wrote of the very same images (same image IDs), which names them
 * {@code hub.example.io/apps/<app>:<7 hex>}: names the engine never held. {@code check --app-store
 * --deep} finds nothing and exits 0 (issue 12: one REFERENCE_LOST error per app image made it exit 4),
 * and {@code repair} on it, with or without the app store and --deep, exits 0 and writes no byte.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthyAppStoreCheckIT {
    Path tmp;
    Path store;
    Path root;

    @BeforeAll
    void setUp() throws Exception {
        Dockerd.assumeAvailable();
        assumeTrue(ResetAppsStore.available() && SampleSet.runnable(), "needs skopeo and busybox");
        tmp = Files.createTempDirectory(Path.of("/tmp"), "dfk-healthy");
        store = tmp.resolve("reset-apps");
        List<String> apps = List.of("shop", "tools", "kiosk");
        ResetAppsStore.write(store, SampleSet.images(), apps, tmp.resolve("work"));
        root = tmp.resolve("root");
        List<StoreImage> images;
        try (AppStore s = AppStore.open(store)) {
            images = s.images();
        }
        assertEquals(3, images.size());
        try (Dockerd d = Dockerd.start(tmp.resolve("d"), root)) {
            for (String app : apps) {
                // the app's image, as skopeo holds it, re-exported to a docker archive under the device's own tag
                Path dir;
                try (Stream<Path> w = Files.walk(store.resolve("apps").resolve(app))) {
                    dir = w.filter(p -> p.getFileName().toString().equals("index.json")).findFirst().orElseThrow().getParent();
                }
                Path tar = tmp.resolve(app + ".tar");
                Dockerd.Result r = run(List.of(ResetAppsStore.SKOPEO.toString(), "--insecure-policy", "copy", "--quiet",
                        "--src-shared-blob-dir", store.resolve("blobs").toString(), "oci:" + dir,
                        "docker-archive:" + tar + ":dockfsck/" + app + ":v1"));
                assertEquals(0, r.exitCode(), r.toString());
                d.load(tar);
            }
            d.dockerOk("create", "--network", "none", "--name", "kiosk-ctr", "dockfsck/kiosk:v1", "sh", "-c", "echo hi");
            // user data (RepairIt.repair checks it is never touched)
            d.dockerOk("volume", "create", GoldenStore.VOLUME);
            Files.write(root.resolve("volumes").resolve(GoldenStore.VOLUME).resolve("_data").resolve(GoldenStore.VOLUME_FILE),
                    GoldenStore.VOLUME_CONTENT);
            String ids = d.dockerOk("images", "--no-trunc", "-q");
            for (StoreImage i : images) {
                assertTrue(ids.contains(i.imageId().toString()), "the engine holds the app store's image " + i.imageId() + ": " + ids);
            }
        }
    }

    @AfterAll
    void tearDown() throws Exception {
        if (tmp != null) {
            new ProcessBuilder("rm", "-rf", tmp.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void aHealthyDockerLoadedStoreWithItsAppStoreChecksClean() throws Exception {
        try (AppStore s = AppStore.open(store)) {
            Report r = new Checker(new TarSplitContentVerifier(root)).check(DataRootReader.read(root),
                    new Checker.Options(true, Optional.empty(), 2, ContentVerifier.Progress.NONE, Optional.of(s)));
            assertEquals(List.of(), r.findings(), "a healthy store and its app store: no finding");
        }
        assertEquals(ExitCodes.CLEAN, Main.run("check", "--root", root.toString(), "--deep", "--app-store=" + store));
    }

    /**
     * {@code repair --app-store --deep}, {@code repair --app-store} and a plain {@code repair} of the
     * healthy store: each exits 0 with an empty plan, and every entry under the data root (mode,
     * owner, inode, size, mtime and ctime to the nanosecond, content sha256, link target, xattrs)
     * is what it was; nothing is recorded for restore.
     */
    @Test
    void repairOfTheHealthyStoreWritesNoByte() throws Exception {
        Path r = GoldenStore.copy(root, tmp.resolve("repair").resolve("root"));
        List<List<String>> variants = List.of(List.of("--app-store", store.toString(), "--deep"),
                List.of("--app-store", store.toString()), List.of());
        for (int i = 0; i < variants.size(); i++) {
            List<String> args = variants.get(i);
            Path state = tmp.resolve("repair").resolve("state-" + i);
            ByteSnapshot before = ByteSnapshot.of(r);
            RepairIt.Repaired rep = RepairIt.repair(r, state, args.toArray(String[]::new));
            assertEquals(ExitCodes.CLEAN, rep.exit(), "repair " + args + " of a healthy store: " + rep.plan());
            assertTrue(rep.plan() == null || rep.plan().actions().isEmpty(), "repair " + args + " plans nothing: " + rep.plan());
            assertEquals(List.of(), before.diff(ByteSnapshot.of(r)), "repair " + args + " must not write under the data root");
            assertFalse(Files.exists(state.resolve(PendingRestore.FILE_NAME)), "repair " + args + ": no pending-restore.json");
            RepairIt.assertNoUnfinishedJournal(state);
        }
    }

    private static Dockerd.Result run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        return new Dockerd.Result(cmd, p.waitFor(), out, "");
    }
}
