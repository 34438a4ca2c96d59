package dev.dockfsck.repair.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.repair.plan.Plan;
import dev.dockfsck.repair.plan.RemoveLayer;
import dev.dockfsck.repair.plan.RemovePath;
import dev.dockfsck.repair.plan.Symlink;
import dev.dockfsck.repair.plan.WriteFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
    @TempDir
    Path state;

    @Test
    void aJournaledPlanComesBackWhole() throws Exception {
        Plan plan = new Plan("/var/lib/docker", List.of(
                new WriteFile("overlay2/x/lower", "l/A:l/B", List.of("OVERLAY_LOWER_INVALID layer sha256:1")),
                new Symlink("overlay2/l/A", "../x/diff", List.of("OVERLAY_SYMLINK_MISSING layer sha256:1")),
                new RemoveLayer("sha256:ab", "image/overlay2/layerdb/sha256/ab", "0123456789ab", null, null, List.of("x")),
                new RemovePath("tmp/docker-import-1", List.of("STALE_IMPORT_TMP"))), List.of("kept: c"));
        Journal j = new Journal(state, plan.root());
        j.begin(plan);
        j.markDone(0);
        j.markDone(2);
        Journal again = new Journal(state, plan.root());
        assertEquals(plan, again.pending().orElseThrow());
        assertEquals(Set.of(0, 2), again.done());
        again.finish();
        assertTrue(again.pending().isEmpty());
        assertTrue(Files.exists(again.dir().resolve("last-plan.json")));
    }

    @Test
    void aCutDoneLineIsRedoneNotTrusted() throws Exception {
        Journal j = new Journal(state, "/r");
        j.begin(new Plan("/r", List.of(), List.of()));
        j.markDone(0);
        Files.writeString(j.dir().resolve("done"), "0\n1", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        assertEquals(Set.of(0, 1), j.done());
        Files.writeString(j.dir().resolve("done"), "0\n1x", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
        assertEquals(Set.of(0), j.done());
    }

    @Test
    void journalsOfDifferentRootsDoNotMix() {
        assertTrue(!new Journal(state, "/a").dir().equals(new Journal(state, "/b").dir()));
    }
}
