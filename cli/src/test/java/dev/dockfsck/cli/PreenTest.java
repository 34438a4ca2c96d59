package dev.dockfsck.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.fixtures.store.StoreIds;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code repair --preen}: e2fsck -p on a builder store (dockerd's layout, written in-process). */
class PreenTest {
    @TempDir
    Path tmp;
    Path root;
    Path state;
    StoreIds ids;

    @BeforeEach
    void store() throws Exception {
        root = tmp.resolve("root");
        state = tmp.resolve("state");
        StoreBuilder b = StoreBuilder.create(root, 11);
        b.load(SampleSet.images());
        b.createContainer(SampleSet.A, "app", "sh");
        ids = b.ids();
    }

    private StoreIds.LayerIds layer(String tag, int i) {
        return ids.layer(ids.imageByTag(tag).chainIds().get(i));
    }

    /** Damage that only safe repairs mend: an emptied link file, a lost size, dockerd's temp file. */
    private Path safeDamage() throws Exception {
        StoreIds.LayerIds base = layer(SampleSet.A, 0);
        Files.write(ids.overlayDir(base.chainId()).resolve("link"), new byte[0]);
        Files.delete(ids.layerDbDir(layer(SampleSet.C, 1).chainId()).resolve("size"));
        Path leftover = root.resolve("image/overlay2/imagedb/content/sha256/.tmp-" + ids.imageByTag(SampleSet.B)
                .imageId().hex() + "123456789");
        Files.write(leftover, "{\"half\":".getBytes(StandardCharsets.US_ASCII));
        return leftover;
    }

    private CheckCommandTest.Run preen(String... more) {
        List<String> argv = new java.util.ArrayList<>(List.of("repair", "--preen", "--root", root.toString(),
                "--state-dir", state.toString()));
        argv.addAll(List.of(more));
        return CheckCommandTest.run(argv.toArray(String[]::new));
    }

    @Test
    void aStoreNeedingOnlySafeFixesIsMendedWithExitOneAndChecksClean() throws Exception {
        Path leftover = safeDamage();
        assertEquals(4, CheckCommandTest.run("check", "--root", root.toString()).code());
        CheckCommandTest.Run r = preen();
        assertEquals(1, r.code(), r.out() + r.err());
        assertFalse(Files.exists(leftover), "dockerd's temp file is removed");
        assertEquals(layer(SampleSet.A, 0).linkId(), Files.readString(ids.overlayDir(layer(SampleSet.A, 0).chainId())
                .resolve("link"), StandardCharsets.US_ASCII));
        assertTrue(Files.exists(ids.layerDbDir(layer(SampleSet.C, 1).chainId()).resolve("size")));
        CheckCommandTest.Run check = CheckCommandTest.run("check", "--root", root.toString());
        assertEquals(0, check.code(), check.out());
        // journald: one plain line per thing said; no timestamps, no escape sequences, no plan indentation
        for (String line : r.out().lines().toList()) {
            assertTrue(line.startsWith("preen: "), line);
            assertFalse(line.matches(".*\\d{2}:\\d{2}:\\d{2}.*"), "no timestamps: " + line);
            assertFalse(line.contains("\u001b"), "no colour: " + line);
        }
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("preen: write overlay2/") && l.contains("/link")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("preen: remove image/overlay2/imagedb/content/sha256/.tmp-")),
                r.out());
        assertTrue(r.out().strip().lines().reduce((x, y) -> y).orElse("").matches(
                "preen: .*: 3 action\\(s\\) done, 0 left for 'dockfsck repair'(, freed .*)?; exit 1"), r.out());
        // and a second preen finds nothing: exit 0
        CheckCommandTest.Run again = preen();
        assertEquals(0, again.code(), again.out());
    }

    @Test
    void preenFixesTheSafePartAndLeavesRemovalsForRepairWithExitFour() throws Exception {
        Path leftover = safeDamage();
        StoreIds.ImageIds b = ids.imageByTag(SampleSet.B);
        // a cache-id lost: no source rebuilds it, the full repair removes the layer and image B
        Files.write(ids.layerDbDir(b.topChainId()).resolve("cache-id"), new byte[0]);
        Path repos = ids.repositoriesJson();
        byte[] reposBefore = Files.readAllBytes(repos);
        TreeSnapshot imagedbBefore = TreeSnapshot.of(root.resolve("image/overlay2/imagedb/metadata"), true);
        TreeSnapshot layerdbBefore = TreeSnapshot.of(ids.layerDbDir(b.topChainId()), true);
        Path bTopDir = ids.overlayDir(b.topChainId());
        TreeSnapshot bTopDirBefore = TreeSnapshot.of(bTopDir, true);

        CheckCommandTest.Run r = preen();
        assertEquals(4, r.code(), r.out() + r.err());
        // the safe part is done
        assertFalse(Files.exists(leftover));
        assertEquals(layer(SampleSet.A, 0).linkId(), Files.readString(ids.overlayDir(layer(SampleSet.A, 0).chainId())
                .resolve("link"), StandardCharsets.US_ASCII));
        // nothing is removed: the layer, the image, its tag
        assertTrue(Files.exists(ids.imageConfig(b.imageId())), "image B stays");
        assertEquals(List.of(), layerdbBefore.diff(TreeSnapshot.of(ids.layerDbDir(b.topChainId()), true)));
        assertEquals(List.of(), imagedbBefore.diff(TreeSnapshot.of(root.resolve("image/overlay2/imagedb/metadata"), true)));
        assertArrayEquals(reposBefore, Files.readAllBytes(repos), "repositories.json keeps image B's tag");
        // the layer whose cache-id is lost keeps its overlay2 dir and l/ link: the checker calls the
        // dir an orphan, but it is that layer's content
        assertEquals(List.of(), bTopDirBefore.diff(TreeSnapshot.of(bTopDir, true)), r.out());
        assertTrue(Files.isSymbolicLink(ids.shortLink(b.topChainId())), r.out());
        assertFalse(Files.exists(state.resolve("pending-restore.json")), "nothing was removed: nothing to restore");
        // what it did not dare is said, one line each
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("preen: left for 'dockfsck repair': remove layer "
                + b.topChainId())), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("preen: left for 'dockfsck repair': write ")
                && l.contains("repositories.json")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("preen: still ")), r.out());

        // the same preen again: the safe part is done, the rest still left: 4, nothing written
        TreeSnapshot whole = TreeSnapshot.of(root, true);
        CheckCommandTest.Run again = preen();
        assertEquals(4, again.code(), again.out());
        assertEquals(List.of(), whole.diff(TreeSnapshot.of(root, true)), again.out());

        // a person's full repair does the rest
        CheckCommandTest.Run full = CheckCommandTest.run("repair", "--root", root.toString(), "--state-dir", state.toString());
        assertEquals(1, full.code(), full.out());
        assertFalse(Files.exists(ids.imageConfig(b.imageId())));
        assertEquals(0, CheckCommandTest.run("check", "--root", root.toString()).code());
    }

    @Test
    void theJsonSaysWhatWasDeferredAndADryRunWritesNothing() throws Exception {
        safeDamage();
        StoreIds.ImageIds b = ids.imageByTag(SampleSet.B);
        Files.write(ids.layerDbDir(b.topChainId()).resolve("cache-id"), new byte[0]);
        TreeSnapshot whole = TreeSnapshot.of(root, true);
        CheckCommandTest.Run dry = preen("--dry-run");
        assertEquals(4, dry.code(), dry.out());
        assertEquals(List.of(), whole.diff(TreeSnapshot.of(root, true)), "a dry run writes nothing");
        assertTrue(dry.out().lines().anyMatch(l -> l.startsWith("preen: would write overlay2/")), dry.out());

        CheckCommandTest.Run r = preen("--format", "json");
        assertEquals(4, r.code(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertTrue(doc.get("preen").asBoolean());
        assertTrue(doc.get("applied").asBoolean());
        assertEquals(4, doc.get("exit_code").asInt());
        List<String> deferredTypes = new java.util.ArrayList<>();
        doc.get("deferred").forEach(d -> deferredTypes.add(d.get("action").get("type").asText()));
        assertTrue(deferredTypes.contains("remove-layer"), deferredTypes.toString());
        doc.get("plan").get("actions").forEach(a -> assertFalse(a.get("type").asText().startsWith("remove-layer")
                || a.get("type").asText().equals("remove-container"), a.toString()));
    }

    @Test
    void aDeviceWithoutTheAppStoreTheUnitNamesStillPreens() throws Exception {
        safeDamage();
        CheckCommandTest.Run r = preen("--app-store", tmp.resolve("no-such-store").toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("preening without it"), r.err());
        // a full repair keeps treating a wrong --app-store as the operator's error
        assertEquals(8, CheckCommandTest.run("repair", "--root", root.toString(), "--state-dir", state.toString(),
                "--app-store", tmp.resolve("no-such-store").toString()).code());
    }

    @Test
    void anInterruptedFullRepairIsLeftToAPerson() throws Exception {
        StoreIds.ImageIds b = ids.imageByTag(SampleSet.B);
        Files.write(ids.layerDbDir(b.topChainId()).resolve("cache-id"), new byte[0]);
        // a person's repair journaled its plan (removals included) and was cut off before its first action
        var store = dev.dockfsck.model.store.DataRootReader.read(root);
        var report = new dev.dockfsck.checker.Checker(null).check(store, dev.dockfsck.checker.Checker.Options.shallow());
        var plan = dev.dockfsck.repair.plan.Planner.plan(report, dev.dockfsck.repair.plan.Planner.Options.defaults());
        assertTrue(plan.actions().stream().anyMatch(a -> a instanceof dev.dockfsck.repair.plan.RemoveLayer));
        new dev.dockfsck.repair.apply.Journal(state, store.root().toString())
                .begin(plan, dev.dockfsck.repair.live.EngineStamp.of(store.root()));
        TreeSnapshot whole = TreeSnapshot.of(root, true);
        CheckCommandTest.Run r = preen();
        assertEquals(4, r.code(), r.out());
        assertTrue(r.out().contains("an interrupted 'dockfsck repair' is journaled"), r.out());
        assertEquals(List.of(), whole.diff(TreeSnapshot.of(root, true)), "preen does not finish a person's removals");
        CheckCommandTest.Run full = CheckCommandTest.run("repair", "--root", root.toString(), "--state-dir", state.toString());
        assertEquals(1, full.code(), full.out());
        assertTrue(full.out().contains("resuming an interrupted repair"), full.out());
    }

    @Test
    void preenNeverTakesForce() {
        CheckCommandTest.Run r = preen("--force");
        assertEquals(16, r.code());
        assertTrue(r.err().contains("--preen never removes containers"), r.err());
    }
}
