package dev.dockfsck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.repair.plan.Action;
import dev.dockfsck.repair.plan.Plan;
import dev.dockfsck.repair.plan.RecordPendingRestore;
import dev.dockfsck.repair.plan.RemoveContainer;
import dev.dockfsck.repair.plan.RemoveLayer;
import dev.dockfsck.repair.plan.RemovePath;
import dev.dockfsck.repair.plan.Symlink;
import dev.dockfsck.repair.plan.WriteFile;
import dev.dockfsck.repair.preen.PreenPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The preen policy per action type (the journal-resume test of {@link PreenPolicy#safe}), and the split. */
class PreenPolicyTest {
    static final String C = "sha256:" + "c".repeat(64);
    static final String I = "sha256:" + "1".repeat(64);

    @Test
    void removalsAreNeverPreenSafeAndInPlaceFixesAre() {
        assertFalse(PreenPolicy.safe(new RemoveLayer(C, "image/overlay2/layerdb/sha256/" + "c".repeat(64), "r", null, null,
                List.of("LAYER_FILE_INVALID layer " + C))));
        assertFalse(PreenPolicy.safe(new RemoveContainer("abc", List.of("containers/abc"), List.of("x"))));
        assertFalse(PreenPolicy.safe(new RemovePath("image/overlay2/imagedb/content/sha256/" + "1".repeat(64),
                List.of("IMAGE_LAYER_MISSING image " + I))), "an image removal");
        assertFalse(PreenPolicy.safe(new RemovePath("overlay2/l/ABC", List.of("points into removed overlay2/x"))),
                "a link only a removal orphans");
        assertFalse(PreenPolicy.safe(new RemovePath("overlay2/x", List.of("ORPHAN_CACHE_DIR path overlay2/x: used by no "
                + "layer or container once the layers standing on it are removed"))));
        assertTrue(PreenPolicy.safe(new RemovePath("overlay2/x", List.of("ORPHAN_CACHE_DIR path overlay2/x"))));
        assertTrue(PreenPolicy.safe(new RemovePath("image/overlay2/imagedb/content/sha256/.tmp-x1",
                List.of("ATOMIC_WRITE_LEFTOVER path image/overlay2/imagedb/content/sha256/.tmp-x1"))));
        assertTrue(PreenPolicy.safe(new RemovePath("overlay2/abc/lower", List.of("lower follows"))), "a base layer's lower");
        assertTrue(PreenPolicy.safe(new WriteFile("overlay2/abc/link", "L", List.of("x"))));
        assertTrue(PreenPolicy.safe(new Symlink("overlay2/l/L", "../abc/diff", List.of("x"))));
        assertTrue(PreenPolicy.safe(new RecordPendingRestore(List.of(new RecordPendingRestore.Image("a:1", I, List.of("a:1"),
                "a", "interrupted-load")), List.of("x"))));
        assertFalse(PreenPolicy.safe(new RecordPendingRestore(List.of(new RecordPendingRestore.Image("a:1", I, List.of("a:1"),
                "a", "removed-by-repair")), List.of("x"))), "records a removal preen does not do");
    }

    @Test
    void aSplitWithoutRemovalsKeepsEverythingInOrder() {
        List<Action> actions = List.of(new WriteFile("overlay2/abc/link", "L", List.of("x")),
                new Symlink("overlay2/l/L", "../abc/diff", List.of("x")),
                new WriteFile("image/overlay2/repositories.json", "{}", List.of("REPOSITORIES_INVALID")));
        PreenPolicy.Split s = PreenPolicy.split(new Plan("/r", actions, List.of()), null);
        assertEquals(actions, s.preen().actions());
        assertEquals(List.of(), s.deferred());
    }

    @Test
    void aSplitWithARemovalDefersItAndTheRepositoriesRewriteAndFiltersThePendingRecord() {
        RemoveLayer rl = new RemoveLayer(C, "image/overlay2/layerdb/sha256/" + "c".repeat(64), "r", null, null, List.of("x"));
        WriteFile repos = new WriteFile("image/overlay2/repositories.json", "{}", List.of("image removed"));
        RecordPendingRestore rec = new RecordPendingRestore(List.of(
                new RecordPendingRestore.Image("a:1", I, List.of("a:1"), "a", "removed-by-repair"),
                new RecordPendingRestore.Image("b:1", "sha256:" + "2".repeat(64), List.of("b:1"), "b", "lost-before-repair")),
                List.of("x"));
        WriteFile link = new WriteFile("overlay2/abc/link", "L", List.of("x"));
        PreenPolicy.Split s = PreenPolicy.split(new Plan("/r", List.of(rec, link, repos, rl), List.of()), null);
        assertEquals(2, s.preen().actions().size(), s.preen().actions().toString());
        RecordPendingRestore kept = (RecordPendingRestore) s.preen().actions().get(0);
        assertEquals(List.of("lost-before-repair"), kept.images().stream().map(RecordPendingRestore.Image::reason).toList());
        assertEquals(link, s.preen().actions().get(1));
        List<Action> deferred = s.deferred().stream().map(PreenPolicy.Deferred::action).toList();
        assertTrue(deferred.contains(rl));
        assertTrue(deferred.contains(repos), "repositories.json is rebuilt assuming the removals");
    }
}
