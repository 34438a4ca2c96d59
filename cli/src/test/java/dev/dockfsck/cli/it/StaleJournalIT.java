package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.model.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repair interrupted by a crash, then dockerd started and stopped by hand before the rerun: the
 * journaled plan is stale (dockerd may have changed the store since), so the rerun sets it aside
 * and checks afresh instead of replaying it, and still ends clean.
 */
class StaleJournalIT {
    @TempDir
    Path tmp;

    @Test
    void aJournalFromBeforeADockerdRunIsSetAsideNotReplayed() throws Exception {
        Dockerd.assumeAvailable();
        Path root = RepairIt.copyGolden(tmp);
        Path state = tmp.resolve("state");
        Digest base = SampleSet.image(SampleSet.A).chainIds().get(0);
        RepairIt.empty(RepairIt.overlayDir(root, base).resolve("link"));
        RepairIt.empty(RepairIt.layerDb(root, SampleSet.image(SampleSet.B).topChainId()).resolve("cache-id"));

        RepairIt.Run crashed = RepairIt.realDockfsck("0", "repair", "--root", root.toString(), "--state-dir", state.toString());
        assertEquals(137, crashed.exit(), crashed.output());
        try (Dockerd d = Dockerd.start(tmp.resolve("between"), root)) {
            assertTrue(d.ping());
        }

        RepairIt.Run rerun = RepairIt.realDockfsck(null, "repair", "--root", root.toString(), "--state-dir", state.toString());
        assertTrue(rerun.output().contains("plan is stale"), rerun.output());
        assertFalse(rerun.output().contains("resuming"), rerun.output());
        assertEquals(1, rerun.exit(), rerun.output());
        try (Stream<Path> s = Files.walk(state)) {
            assertTrue(s.anyMatch(p -> p.getFileName().toString().equals("stale-plan.json")), "the stale plan is kept");
        }
        RepairIt.assertNoUnfinishedJournal(state);
        RepairIt.assertCleanDeep(root);
        try (Dockerd d = RepairIt.dockerdOn(root)) {
            RepairIt.assertRuns(d, SampleSet.A);
            RepairIt.assertRuns(d, SampleSet.C);
        }
    }
}
