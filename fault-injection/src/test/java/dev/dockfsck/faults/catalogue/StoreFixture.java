package dev.dockfsck.faults.catalogue;

import dev.dockfsck.checker.Checker;
import dev.dockfsck.checker.ContentVerifier;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.TarSplitContentVerifier;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.model.store.DataRootReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/** A store as dockerd 20.10 writes it (StoreBuilder): the sample images, a container, a volume. */
final class StoreFixture {
    private static Path pristine;

    private StoreFixture() {
    }

    static synchronized Path pristine() throws IOException {
        if (pristine == null) {
            Path dir = Files.createTempDirectory("dfk-faults-pristine");
            Path root = dir.resolve("root");
            try (StoreBuilder b = StoreBuilder.create(root, new Random(13), StoreBuilder.inProcessSpecials(root))) {
                b.load(SampleSet.images());
                b.createContainer(SampleSet.A, "app", "sh", "-c", "cat /etc/app.conf");
                b.createVolume("data", Map.of("notes.txt", "user data\n".getBytes()));
                // what docker load writes beside a config (StoreBuilder does not): metadata dockerd can do without
                String id = b.ids().imageByTag(SampleSet.A).imageId().hex();
                Path meta = Files.createDirectories(root.resolve("image/overlay2/imagedb/metadata/sha256").resolve(id));
                Files.writeString(meta.resolve("lastUpdated"), "2026-12-07T01:00:00.000000000Z");
            }
            pristine = root;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
                } catch (Exception e) {
                    // best effort
                }
            }));
        }
        return pristine;
    }

    static Path copy(Path dest) throws IOException {
        return GoldenStore.copy(pristine(), dest);
    }

    static Report check(Path root) {
        try {
            return new Checker(new TarSplitContentVerifier(root)).check(DataRootReader.read(root),
                    new Checker.Options(true, Optional.empty(), 1, ContentVerifier.Progress.NONE));
        } catch (Exception e) {
            throw new AssertionError("check of " + root + " failed: " + e, e);
        }
    }
}
