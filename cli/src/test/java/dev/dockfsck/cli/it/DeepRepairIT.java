package dev.dockfsck.cli.it;

import static dev.dockfsck.cli.it.RepairIt.ALL;
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
import static dev.dockfsck.cli.it.RepairIt.imageConfig;
import static dev.dockfsck.cli.it.RepairIt.imageId;
import static dev.dockfsck.cli.it.RepairIt.imageMetadata;
import static dev.dockfsck.cli.it.RepairIt.layerDb;
import static dev.dockfsck.cli.it.RepairIt.overlayDir;
import static dev.dockfsck.cli.it.RepairIt.repair;
import static dev.dockfsck.cli.it.RepairIt.repositoriesJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import dev.dockfsck.repair.plan.RemoveLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Content damage dockerd never notices (files cut by a power cut in a registered layer): only
 * {@code repair --deep} finds it; the layer and everything on it go, and re-loads heal the images.
 */
class DeepRepairIT {
    static final String A = SampleSet.A;
    static final String B = SampleSet.B;
    static final String C = SampleSet.C;

    @BeforeAll
    static void golden() throws IOException {
        RepairIt.golden();
    }

    static Set<Digest> removedLayers(RepairIt.Repaired r) {
        return r.plan().actions().stream().filter(a -> a instanceof RemoveLayer).map(a -> Digest.parse(((RemoveLayer) a)
                .chainId())).collect(Collectors.toSet());
    }

    /** Changes one byte of C's own file, keeping its size: a torn write. */
    static void tearCFile(Path root) throws IOException {
        Path f = overlayDir(root, chain(C).get(2)).resolve("diff/data/c.txt");
        byte[] b = Files.readAllBytes(f);
        b[0] = (byte) 'X';
        Files.write(f, b);
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 4096})
    void cutBusyboxInTheSharedBaseLayer(long keep, @TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        Path busybox = overlayDir(root, chain(A).get(0)).resolve("diff/bin/busybox");
        RepairIt.truncate(busybox, keep);
        TreeSnapshot damaged = TreeSnapshot.of(root, false);

        // without --deep nothing is found: dockerd's own view of the store is intact
        RepairIt.Repaired shallow = repair(root, tmp.resolve("state-shallow"), "--force");
        assertEquals(0, shallow.exit());
        assertEquals(List.of(), damaged.diff(TreeSnapshot.of(root, false)), "a clean shallow repair writes nothing");

        assertTrue(codes(root, true).contains(FindingCode.LAYER_CONTENT_MISMATCH));
        RepairIt.Repaired r = repair(root, tmp.resolve("state"), "--deep", "--force");

        assertEquals(1, r.exit());
        assertEquals(Set.of(chain(A).get(0), chain(A).get(1), chain(A).get(2), chain(B).get(1), chain(B).get(2),
                chain(C).get(2)), removedLayers(r), "the base layer and everything on it");
        r.assertPendingExactly(A, B, C);
        assertFalse(Files.exists(root.resolve("containers").resolve(RepairIt.golden().containerId())));
        assertCleanDeep(root);
        try (Dockerd d = dockerdOn(root)) {
            assertContainerGone(d);
            for (String tag : ALL) {
                assertAbsent(d, tag);
            }
            assertReloads(d, tmp, A, B, C);
        }
    }

    @Test
    void changedFileInATopLayer(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        tearCFile(root);
        assertEquals(0, RepairIt.check(root, false), "invisible without --deep");

        RepairIt.Repaired r = repair(root, tmp.resolve("state"), "--deep");

        assertEquals(1, r.exit());
        assertEquals(Set.of(chain(C).get(2)), removedLayers(r));
        assertOnlyRemovedAndReloads(r, tmp, C);
    }

    @Test
    void damagedUnreferencedLayerIsRemovedSoAReloadDoesNotReuseIt(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        // C's config and tag are gone (as docker rmi, or a power cut before the config was written,
        // leaves them) while its top layer stays registered, and that layer's file is torn
        Files.delete(imageConfig(root, imageId(C)));
        RepairIt.rmTree(imageMetadata(root, imageId(C)));
        ObjectMapper json = new ObjectMapper();
        ObjectNode repos = (ObjectNode) json.readTree(repositoriesJson(root).toFile());
        ((ObjectNode) repos.get("Repositories")).remove("dockfsck/sample-c");
        Files.write(repositoriesJson(root), json.writeValueAsBytes(repos));
        tearCFile(root);
        Set<FindingCode> found = codes(root, true);
        assertTrue(found.containsAll(Set.of(FindingCode.LAYER_UNREFERENCED, FindingCode.LAYER_CONTENT_MISMATCH)),
                "found: " + found);
        Path archive = tmp.resolve("c.tar");
        DockerArchive.write(List.of(SampleSet.image(C)), archive);
        // control: unrepaired, dockerd reuses the torn layer unchecked and "loads" a broken image
        Path control = GoldenStore.copy(root, tmp.resolve("control"));
        try (Dockerd d = Dockerd.start(tmp.resolve("control-work"), control)) {
            d.load(archive);
            Dockerd.Result run = d.docker("run", "--rm", "--network", "none", C, "sh", "-c", RepairIt.PROBE.get(C));
            assertNotEquals(RepairIt.EXPECTED.get(C), run.stdout(), "the reused layer serves the torn file");
        }

        RepairIt.Repaired r = repair(root, tmp.resolve("state"), "--deep");

        assertEquals(1, r.exit());
        assertEquals(Set.of(chain(C).get(2)), removedLayers(r));
        assertFalse(Files.exists(layerDb(root, chain(C).get(2))));
        r.assertPendingExactly();
        assertCleanDeep(root);
        try (Dockerd d = dockerdOn(root)) {
            assertRuns(d, A);
            assertRuns(d, B);
            assertContainerStarts(d);
            assertReloads(d, tmp, C);
        }
    }
}
