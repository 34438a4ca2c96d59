package dev.dockfsck.checker.it;

import static dev.dockfsck.checker.Expect.c;
import static dev.dockfsck.checker.Expect.check;
import static dev.dockfsck.checker.Expect.exactly;
import static dev.dockfsck.checker.Expect.summary;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.Report;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store the real dockerd wrote, untouched: not one finding, shallow or deep (no content
 * mismatch, no tar-split complaint, no leftover, not even an info), and the summary counts every
 * image, layer and container as healthy. The check writes nothing.
 */
class HealthyStoreIT {
    @TempDir
    Path tmp;

    @Test
    void realDockerdStoreIsCleanShallow() throws Exception {
        GoldenCopy g = GoldenCopy.at(tmp.resolve("root"));
        Report r = check(g.root, false);
        exactly(r);
        assertTrue(r.clean());
        assertFalse(r.deep());
        assertTrue(r.damaged().isEmpty());
        summary(r, c(3, 3, 0), c(6, 6, 0), c(1, 1, 0), 0, 0, 0);
        assertEquals(0, r.summary().bytesReclaimable());
    }

    @Test
    void realDockerdStoreIsCleanDeepAndTheCheckWritesNothing() throws Exception {
        GoldenCopy g = GoldenCopy.at(tmp.resolve("root"));
        TreeSnapshot before = TreeSnapshot.of(g.root, true);
        Report r = check(g.root, true);
        exactly(r);
        assertTrue(r.clean());
        assertTrue(r.deep());
        summary(r, c(3, 3, 0), c(6, 6, 0), c(1, 1, 0), 0, 0, 0);
        assertEquals(java.util.List.of(), before.diff(TreeSnapshot.of(g.root, true)));
    }
}
