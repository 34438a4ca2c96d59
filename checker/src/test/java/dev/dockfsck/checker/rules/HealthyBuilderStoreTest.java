package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.Expect.c;
import static dev.dockfsck.checker.Expect.check;
import static dev.dockfsck.checker.Expect.exactly;
import static dev.dockfsck.checker.Expect.summary;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dockfsck.checker.Report;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.StoreBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store written exactly as dockerd writes it (StoreBuilder) yields no finding at all. */
class HealthyBuilderStoreTest {
    @TempDir
    Path tmp;

    static void sample(StoreBuilder b) throws Exception {
        b.load(SampleSet.images());
        b.createContainer(SampleSet.A, "c1");
        b.createContainer(SampleSet.B, "c2");
        b.createVolume("vol", Map.of("f.txt", "data\n".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void builderStoreOnJimfsIsClean() throws Exception {
        try (FileSystem fs = Stores.jimfs()) {
            StoreBuilder b = StoreBuilder.create(fs.getPath("/var/lib/docker"), 7);
            sample(b);
            Report r = check(b.root());
            exactly(r);
            assertTrue(r.clean());
            summary(r, c(3, 3, 0), c(6, 6, 0), c(2, 2, 0), 0, 0, 0);
        }
    }

    @Test
    void builderStoreOnDiskIsCleanShallowAndDeep() throws Exception {
        StoreBuilder b = StoreBuilder.create(tmp.resolve("root"), 8);
        // the deep check needs the real whiteout devices and xattrs (root), not stand-ins
        assumeTrue(b.specials() == StoreBuilder.Specials.REAL, "needs root for real device nodes");
        sample(b);
        for (boolean deep : new boolean[] {false, true}) {
            Report r = check(b.root(), deep);
            exactly(r);
            assertTrue(r.clean());
            summary(r, c(3, 3, 0), c(6, 6, 0), c(2, 2, 0), 0, 0, 0);
        }
    }
}
