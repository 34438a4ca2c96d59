package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dockfsck.cli.ExitCodes;
import dev.dockfsck.cli.Main;
import dev.dockfsck.fixtures.appstore.ResetAppsStore;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.StoreImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A multi-arch app image as the OTA agent fetches it (by its image index digest, skopeo without
 * {@code --all}): the image directory is named by the index, skopeo's index.json points at this
 * platform's manifest, and the index is not kept. Such an image is whole: the check finds nothing,
 * and restore loads it under the index's short name, where it runs under the real dockerd.
 */
class MultiArchAppStoreIT {
    @TempDir
    Path tmp;

    @Test
    void anImageCopiedForOnePlatformOfItsIndexChecksCleanAndRestores() throws Exception {
        Dockerd.assumeAvailable();
        assumeTrue(ResetAppsStore.available() && SampleSet.runnable(), "needs skopeo and busybox");
        Path store = tmp.resolve("reset-apps");
        ResetAppsStore.Entry e = ResetAppsStore.writeMultiArch(store, SampleSet.image(SampleSet.A), "multi", tmp.resolve("work"));

        // the shape under test: index.json does not list the digest its directory is named by
        Path index;
        try (Stream<Path> s = Files.walk(store.resolve("apps"))) {
            index = s.filter(p -> p.getFileName().toString().equals("index.json")).findFirst().orElseThrow();
        }
        assertEquals(e.manifestDigest().hex(), index.getParent().getFileName().toString());
        assertFalse(Files.readString(index).contains(e.manifestDigest().hex()), Files.readString(index));

        try (AppStore s = AppStore.open(store)) {
            assertEquals(List.of(), s.findings());
            StoreImage img = s.images().get(0);
            assertEquals(List.of(e.name()), img.names());
            assertEquals(List.of(img), s.find(e.name().substring(0, e.name().lastIndexOf(':')) + "@" + e.manifestDigest()));
        }

        Path root = tmp.resolve("root");
        try (Dockerd d = Dockerd.start(tmp.resolve("d"), root)) {
            assertEquals(ExitCodes.CLEAN, Main.run("restore", "--all", "--host", d.host(), "--app-store=" + store,
                    "--state-dir", tmp.resolve("state").toString()));
            RepairIt.assertRuns(d, e.name(), SampleSet.A);
        }
        assertEquals(ExitCodes.CLEAN, Main.run("check", "--root", root.toString(), "--deep", "--app-store=" + store));
    }
}
