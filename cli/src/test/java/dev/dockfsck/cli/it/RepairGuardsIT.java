package dev.dockfsck.cli.it;

import static dev.dockfsck.cli.it.RepairIt.chain;
import static dev.dockfsck.cli.it.RepairIt.copyGolden;
import static dev.dockfsck.cli.it.RepairIt.empty;
import static dev.dockfsck.cli.it.RepairIt.layerDb;
import static dev.dockfsck.cli.it.RepairIt.overlayDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What repair must never do: write on a dry run, or write under a live dockerd. */
class RepairGuardsIT {
    @BeforeAll
    static void golden() throws IOException {
        RepairIt.golden();
    }

    /** Damage that calls for every kind of action (removal, in-place fixes, leftovers). */
    static Path damaged(Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        empty(layerDb(root, chain(SampleSet.B).get(1)).resolve("cache-id"));
        empty(overlayDir(root, chain(SampleSet.A).get(1)).resolve("link"));
        empty(layerDb(root, chain(SampleSet.C).get(2)).resolve("size"));
        Files.createDirectories(root.resolve("tmp/docker-import-77"));
        Files.createDirectories(root.resolve("image/overlay2/layerdb/tmp/write-set-77"));
        return root;
    }

    @Test
    void dryRunChangesNoByteAndCreatesNoStateDir(@TempDir Path tmp) throws IOException {
        Path root = damaged(tmp);
        Path state = tmp.resolve("state");
        TreeSnapshot before = TreeSnapshot.of(root, true);

        RepairIt.Repaired r = RepairIt.repair(root, state, "--dry-run", "--force", "--deep");

        assertEquals(4, r.exit(), "a dry run corrects nothing: errors are left");
        assertEquals(List.of(), before.diff(TreeSnapshot.of(root, true)), "a dry run wrote to the root");
        assertFalse(Files.exists(state), "a dry run created the state dir");
    }

    /** The same through the real process with --format json, whose plan is the one a real run applies. */
    @Test
    void dryRunJsonShowsThePlanAndWritesNothing(@TempDir Path tmp) throws Exception {
        Path root = damaged(tmp);
        Path state = tmp.resolve("state");
        TreeSnapshot before = TreeSnapshot.of(root, true);

        RepairIt.Run run = RepairIt.realDockfsck(null, "repair", "--root", root.toString(), "--state-dir",
                state.toString(), "--dry-run", "--force", "--format", "json");

        assertEquals(4, run.exit(), run.output());
        JsonNode json = new ObjectMapper().readTree(run.output());
        assertTrue(json.get("dry_run").asBoolean());
        assertFalse(json.get("applied").asBoolean());
        assertEquals(List.of(), before.diff(TreeSnapshot.of(root, true)), "a dry run wrote to the root");
        assertFalse(Files.exists(state), "a dry run created the state dir");
        // the plan shown is the plan a real run applies
        RepairIt.Repaired real = RepairIt.repair(root, state, "--force");
        assertEquals(1, real.exit());
        assertEquals(new ObjectMapper().readTree(dev.dockfsck.repair.apply.Journal.toJson(real.plan())),
                json.get("plan"));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void liveDockerdIsRefused(boolean viaSymlink, @TempDir Path tmp) throws IOException {
        Path root = damaged(tmp);
        Path state = tmp.resolve("state");
        // dockerd may be told the root through a symlink; repair must see it is the same root
        Path dataRoot = root;
        if (viaSymlink) {
            dataRoot = Files.createSymbolicLink(tmp.resolve("alias"), root);
        }
        try (Dockerd d = Dockerd.start(tmp.resolve("dockerd"), dataRoot)) {
            assertTrue(d.isRunning());
            TreeSnapshot before = TreeSnapshot.of(root, true);

            RepairIt.Repaired r = RepairIt.repair(root, state, "--force");

            assertEquals(8, r.exit(), "operational error: a live dockerd uses the root");
            assertEquals(List.of(), before.diff(TreeSnapshot.of(root, true)), "repair wrote under a live dockerd");
            assertFalse(Files.exists(state), "nothing journaled");
        }
    }
}
