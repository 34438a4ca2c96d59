package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.StoreImage;
import dev.dockfsck.model.store.DataRootReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A healthy device whose images were put there with {@code docker load} under their own tags
 * ({@code dockfsck/<app>:v1}, the real dockerd, a container on one), beside a reset-apps store
 * that skopeo wrote of the very same images (same image IDs), which names them
 * {@code hub.example.io/apps/<app>:<7 hex>}: names the engine never held. {@code check --app-store
 * --deep} finds nothing and exits 0 (issue 12: one REFERENCE_LOST error per app image made it exit 4).
 */
class HealthyAppStoreCheckIT {
    @TempDir
    Path tmp;

    @Test
    void aHealthyDockerLoadedStoreWithItsAppStoreChecksClean() throws Exception {
        Dockerd.assumeAvailable();
        assumeTrue(ResetAppsStore.available() && SampleSet.runnable(), "needs skopeo and busybox");
        Path store = tmp.resolve("reset-apps");
        List<String> apps = List.of("shop", "tools", "kiosk");
        ResetAppsStore.write(store, SampleSet.images(), apps, tmp.resolve("work"));
        Path root = tmp.resolve("root");
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
            String ids = d.dockerOk("images", "--no-trunc", "-q");
            for (StoreImage i : images) {
                assertTrue(ids.contains(i.imageId().toString()), "the engine holds the app store's image " + i.imageId() + ": " + ids);
            }
        }
        try (AppStore s = AppStore.open(store)) {
            Report r = new Checker(new TarSplitContentVerifier(root)).check(DataRootReader.read(root),
                    new Checker.Options(true, Optional.empty(), 2, ContentVerifier.Progress.NONE, Optional.of(s)));
            assertEquals(List.of(), r.findings(), "a healthy store and its app store: no finding");
        }
        assertEquals(ExitCodes.CLEAN, Main.run("check", "--root", root.toString(), "--deep", "--app-store=" + store));
    }

    private static Dockerd.Result run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        return new Dockerd.Result(cmd, p.waitFor(), out, "");
    }
}
