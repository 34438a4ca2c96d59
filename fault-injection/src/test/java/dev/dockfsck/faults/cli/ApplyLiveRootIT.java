package dev.dockfsck.faults.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code faults apply} on the root of a running dockerd: refused by the real LiveEngine, nothing changed. */
class ApplyLiveRootIT {
    @TempDir
    Path tmp;

    @Test
    void applyRefusesTheRootOfARunningDockerd() throws Exception {
        Dockerd.assumeAvailable();
        Path root = tmp.resolve("root");
        try (Dockerd d = Dockerd.start(tmp.resolve("d"), root)) {
            TreeSnapshot before = TreeSnapshot.of(root.resolve("image"), false);
            FaultsCommandTest.Run r = FaultsCommandTest.run("apply", "--root", root.toString(), "--fault", "repositories.empty");
            assertEquals(8, r.exit(), r.out() + r.err());
            assertTrue(r.err().contains("refused: dockerd (pid " + d.pid() + ")"), r.err());
            assertEquals(before, TreeSnapshot.of(root.resolve("image"), false));
        }
    }
}
