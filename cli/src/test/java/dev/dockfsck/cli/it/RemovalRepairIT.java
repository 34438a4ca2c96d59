package dev.dockfsck.cli.it;

import static dev.dockfsck.cli.it.RepairIt.assertAbsent;
import static dev.dockfsck.cli.it.RepairIt.assertCleanDeep;
import static dev.dockfsck.cli.it.RepairIt.assertOnlyRemovedAndReloads;
import static dev.dockfsck.cli.it.RepairIt.assertContainerGone;
import static dev.dockfsck.cli.it.RepairIt.assertContainerStarts;
import static dev.dockfsck.cli.it.RepairIt.assertReloads;
import static dev.dockfsck.cli.it.RepairIt.assertRuns;
import static dev.dockfsck.cli.it.RepairIt.chain;
import static dev.dockfsck.cli.it.RepairIt.codes;
import static dev.dockfsck.cli.it.RepairIt.copyGolden;
import static dev.dockfsck.cli.it.RepairIt.dockerdOn;
import static dev.dockfsck.cli.it.RepairIt.empty;
import static dev.dockfsck.cli.it.RepairIt.imageConfig;
import static dev.dockfsck.cli.it.RepairIt.imageId;
import static dev.dockfsck.cli.it.RepairIt.imageMetadata;
import static dev.dockfsck.cli.it.RepairIt.layerDb;
import static dev.dockfsck.cli.it.RepairIt.overlayDir;
import static dev.dockfsck.cli.it.RepairIt.repair;
import static dev.dockfsck.cli.it.RepairIt.repositoriesJson;
import static dev.dockfsck.cli.it.RepairIt.truncate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import dev.dockfsck.fixtures.image.DockerArchive;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import dev.dockfsck.model.Digest;
import dev.dockfsck.repair.plan.RemoveContainer;
import dev.dockfsck.repair.plan.RemoveLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage repair answers by removal: the damaged layer, what stands on it and the images on it
 * go (and are listed in pending-restore.json); the rest of the store keeps working under the real
 * dockerd, and each removed image's own archive loads again (no "file exists") and runs.
 */
class RemovalRepairIT {
    static final String A = SampleSet.A;
    static final String B = SampleSet.B;
    static final String C = SampleSet.C;

    @BeforeAll
    static void golden() throws IOException {
        RepairIt.golden();
    }

    static Set<Digest> removedLayers(RepairIt.Repaired r) {
        return r.plan().actions().stream().filter(a -> a instanceof RemoveLayer).map(a -> Digest.parse(((RemoveLayer) a)
                .chainId())).collect(Collectors.toCollection(TreeSet::new));
    }

    static void assertLayersGone(Path root, List<Digest> layers) throws IOException {
        for (Digest d : layers) {
            assertFalse(Files.exists(layerDb(root, d)), "layer " + d + " still registered");
        }
        try (var s = Files.list(root.resolve("image/overlay2/layerdb/sha256"))) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().endsWith("-removing")).toList(),
                    "no half-removed layer left");
        }
    }

    @Test
    void emptyCacheIdInAMiddleLayer(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        Digest middle = chain(B).get(1);
        String cacheDir = overlayDir(root, middle).getFileName().toString();
        empty(layerDb(root, middle).resolve("cache-id"));
        assertTrue(codes(root, false).contains(FindingCode.LAYER_FILE_INVALID));
        // control: without repair, dockerd drops B and refuses to re-load it ("file exists")
        Path control = GoldenStore.copy(root, tmp.resolve("control"));
        try (Dockerd d = Dockerd.start(tmp.resolve("control-work"), control)) {
            assertAbsent(d, B);
            Path archive = tmp.resolve("b.tar");
            DockerArchive.write(List.of(SampleSet.image(B)), archive);
            Dockerd.Result r = d.docker("load", "-i", archive.toString());
            assertTrue(!r.ok() && r.stderr().contains("file exists"), "unrepaired, the re-load fails: " + r);
        }

        RepairIt.Repaired r = repair(root, tmp.resolve("state"));

        assertEquals(1, r.exit());
        assertEquals(Set.copyOf(chain(B).subList(1, 3)), removedLayers(r), "the middle layer and the one above it");
        assertLayersGone(root, chain(B).subList(1, 3));
        assertFalse(Files.exists(root.resolve("overlay2").resolve(cacheDir)),
                "the overlay2 dir of the layer whose cache-id was lost is found and removed");
        assertFalse(Files.exists(imageConfig(root, imageId(B))));
        r.assertPendingExactly(B);
        assertCleanDeep(root);
        // a second repair finds nothing to do and writes nothing
        TreeSnapshot repaired = TreeSnapshot.of(root, true);
        RepairIt.Repaired again = repair(root, tmp.resolve("state"), "--deep");
        assertEquals(0, again.exit());
        assertEquals(List.of(), repaired.diff(TreeSnapshot.of(root, true)));
        again.assertPendingExactly(B);
        try (Dockerd d = dockerdOn(root)) {
            assertRuns(d, A);
            assertRuns(d, C);
            assertContainerStarts(d);
            assertReloads(d, tmp, B);
        }
    }

    @Test
    void missingDiffFile(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        Digest top = chain(C).get(2);
        Files.delete(layerDb(root, top).resolve("diff"));
        assertTrue(codes(root, false).contains(FindingCode.LAYER_FILE_MISSING));

        RepairIt.Repaired r = repair(root, tmp.resolve("state"));

        assertEquals(1, r.exit());
        assertEquals(Set.of(top), removedLayers(r));
        assertLayersGone(root, List.of(top));
        assertOnlyRemovedAndReloads(r, tmp, C);
    }

    @Test
    void truncatedImageConfig(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        Path cfg = imageConfig(root, imageId(B));
        truncate(cfg, Files.size(cfg) / 2);
        assertTrue(codes(root, false).contains(FindingCode.IMAGE_CONFIG_INVALID));

        RepairIt.Repaired r = repair(root, tmp.resolve("state"));

        assertEquals(1, r.exit());
        assertEquals(Set.of(), removedLayers(r), "B's layers are sound: kept for the re-load to reuse");
        assertFalse(Files.exists(cfg));
        assertFalse(Files.exists(imageMetadata(root, imageId(B))));
        assertFalse(Files.readString(repositoriesJson(root)).contains(B), "B's tag is dropped");
        assertOnlyRemovedAndReloads(r, tmp, B);
    }

    @Test
    void layerWhoseParentIsMissing(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        Digest middle = chain(B).get(1);
        String orphaned = overlayDir(root, middle).getFileName().toString();
        RepairIt.rmTree(layerDb(root, middle));
        assertTrue(codes(root, false).contains(FindingCode.LAYER_PARENT_MISSING));

        RepairIt.Repaired r = repair(root, tmp.resolve("state"));

        assertEquals(1, r.exit());
        assertEquals(Set.of(chain(B).get(2)), removedLayers(r));
        assertLayersGone(root, chain(B).subList(1, 3));
        assertFalse(Files.exists(root.resolve("overlay2").resolve(orphaned)), "the parent's dir is an orphan now");
        assertOnlyRemovedAndReloads(r, tmp, B);
    }

    @Test
    void leftoversOfAnInterruptedLoad(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        // as an interrupted load leaves them: a half-extracted layer dir with its l/ link, the
        // uncommitted layerdb write-set, the copy of the archive
        String orphan = "0".repeat(63) + "1";
        Path src = overlayDir(root, chain(C).get(2));
        GoldenStore.copy(src, root.resolve("overlay2").resolve(orphan));
        String lid = "ORPHANLINKAAAAAAAAAAAAAAAA";
        Files.writeString(root.resolve("overlay2").resolve(orphan).resolve("link"), lid);
        Files.createSymbolicLink(root.resolve("overlay2/l").resolve(lid), Path.of("../" + orphan + "/diff"));
        Path ws = root.resolve("image/overlay2/layerdb/tmp/write-set-123456789");
        Files.createDirectories(ws);
        Files.writeString(ws.resolve("diff"), chain(C).get(2).toString());
        Files.writeString(ws.resolve("cache-id"), orphan);
        Path imp = root.resolve("tmp/docker-import-987654321");
        Files.createDirectories(imp);
        DockerArchive.write(List.of(SampleSet.image(C)), imp.resolve("archive.tar"));
        // and an interrupted docker rmi: the layerdb entry renamed to *-removing, not yet deleted
        Path removing = root.resolve("image/overlay2/layerdb/sha256").resolve("e".repeat(64) + "-0123456789ab-removing");
        GoldenStore.copy(layerDb(root, chain(C).get(2)), removing);
        Set<FindingCode> found = codes(root, false);
        assertTrue(found.containsAll(Set.of(FindingCode.ORPHAN_CACHE_DIR, FindingCode.STALE_WRITE_SET,
                FindingCode.STALE_IMPORT_TMP, FindingCode.INTERRUPTED_REMOVAL)), "found: " + found);

        RepairIt.Repaired r = repair(root, tmp.resolve("state"));

        assertEquals(1, r.exit());
        assertEquals(Set.of(), removedLayers(r));
        for (Path p : List.of(root.resolve("overlay2").resolve(orphan), root.resolve("overlay2/l").resolve(lid), ws,
                imp, removing)) {
            assertFalse(Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS), p + " is removed");
        }
        r.assertPendingExactly();
        assertCleanDeep(root);
        try (Dockerd d = dockerdOn(root)) {
            for (String tag : RepairIt.ALL) {
                assertRuns(d, tag);
            }
            assertContainerStarts(d);
        }
    }

    @Test
    void lostOverlayDirLostDiffAndDanglingTag(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        Digest cTop = chain(C).get(2);
        Digest bTop = chain(B).get(2);
        Path cShortLink = root.resolve("overlay2/l").resolve(RepairIt.linkId(root, cTop));
        RepairIt.rmTree(overlayDir(root, cTop));
        RepairIt.rmTree(overlayDir(root, bTop).resolve("diff"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode repos = (ObjectNode) json.readTree(repositoriesJson(root).toFile());
        ((ObjectNode) repos.get("Repositories")).putObject("dockfsck/gone").put("dockfsck/gone:1", "sha256:" + "a".repeat(64));
        Files.write(repositoriesJson(root), json.writeValueAsBytes(repos));
        Set<FindingCode> found = codes(root, false);
        assertTrue(found.containsAll(Set.of(FindingCode.LAYER_CACHE_DIR_MISSING, FindingCode.OVERLAY_DIFF_MISSING,
                FindingCode.REFERENCE_TARGET_MISSING)), "found: " + found);

        RepairIt.Repaired r = repair(root, tmp.resolve("state"));

        assertEquals(1, r.exit());
        assertEquals(Set.of(cTop, bTop), removedLayers(r));
        assertFalse(Files.exists(cShortLink, java.nio.file.LinkOption.NOFOLLOW_LINKS), "the dangling l/ link goes");
        String tags = Files.readString(repositoriesJson(root));
        assertFalse(tags.contains("dockfsck/gone") || tags.contains(B) || tags.contains(C), tags);
        assertTrue(tags.contains(A), tags);
        // the removed images, and the one the dangling tag names: its config was lost, restore it
        assertEquals(Set.of(imageId(B).toString(), imageId(C).toString(), "sha256:" + "a".repeat(64)), r.pendingIds());
        assertTrue(r.pending().stream().anyMatch(e -> e.name().equals("dockfsck/gone:1")), r.pending().toString());
        assertCleanDeep(root);
        try (Dockerd d = dockerdOn(root)) {
            assertRuns(d, A);
            assertContainerStarts(d);
            assertReloads(d, tmp, B, C);
        }
    }

    @Test
    void damagedContainerIsKeptWithoutForce(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        Digest app = chain(A).get(1);
        empty(layerDb(root, app).resolve("cache-id"));
        String cid = RepairIt.golden().containerId();

        RepairIt.Repaired r = repair(root, tmp.resolve("state"));

        assertEquals(4, r.exit(), "errors left: the damaged container is kept");
        assertEquals(0, r.actions(RemoveContainer.class));
        assertTrue(Files.isDirectory(root.resolve("containers").resolve(cid)), "golden-ctr is kept");
        assertTrue(r.plan().kept().stream().anyMatch(k -> k.contains(cid.substring(0, 12))), "kept: " + r.plan().kept());
        for (Digest d : chain(A)) {
            assertTrue(Files.isDirectory(layerDb(root, d)), "golden-ctr's layers are kept: " + d);
        }
        assertTrue(Files.exists(imageConfig(root, imageId(A))), "golden-ctr's image is kept");
        assertEquals(Set.of(chain(C).get(2)), removedLayers(r), "only what no kept container needs goes");
        r.assertPendingExactly(C);
        assertEquals(4, RepairIt.check(root, true), "check still reports the kept damage");
        try (Dockerd d = Dockerd.start(tmp.resolve("dockerd"), root)) {
            assertRuns(d, B);
            // what was kept is still damaged, as check says: the container cannot start, and dockerd
            // says so in its log (which also proves the log oracle of the other tests sees such errors)
            assertFalse(d.docker("start", "-a", GoldenStore.CONTAINER).ok());
            List<String> logged = Files.readAllLines(d.log()).stream()
                    .filter(l -> RepairIt.STORE_ERROR.matcher(l).find()).toList();
            assertFalse(logged.isEmpty(), "dockerd logs the damage repair kept");
        }
    }

    @Test
    void damagedContainerIsRemovedWithForce(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        Digest app = chain(A).get(1);
        empty(layerDb(root, app).resolve("cache-id"));
        String cid = RepairIt.golden().containerId();

        RepairIt.Repaired r = repair(root, tmp.resolve("state"), "--force");

        assertEquals(1, r.exit());
        assertEquals(1, r.actions(RemoveContainer.class));
        assertFalse(Files.exists(root.resolve("containers").resolve(cid)));
        assertFalse(Files.exists(root.resolve("image/overlay2/layerdb/mounts").resolve(cid)));
        assertEquals(Set.of(app, chain(A).get(2), chain(C).get(2)), removedLayers(r));
        r.assertPendingExactly(A, C);
        assertCleanDeep(root);
        try (Dockerd d = dockerdOn(root)) {
            assertContainerGone(d);
            assertRuns(d, B);
            assertReloads(d, tmp, A, C);
        }
    }
}
