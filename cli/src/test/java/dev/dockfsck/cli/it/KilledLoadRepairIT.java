package dev.dockfsck.cli.it;

import static dev.dockfsck.cli.it.RepairIt.ALL;
import static dev.dockfsck.cli.it.RepairIt.assertCleanDeep;
import static dev.dockfsck.cli.it.RepairIt.assertContainerStarts;
import static dev.dockfsck.cli.it.RepairIt.assertNoStoreErrors;
import static dev.dockfsck.cli.it.RepairIt.assertRuns;
import static dev.dockfsck.cli.it.RepairIt.codes;
import static dev.dockfsck.cli.it.RepairIt.copyGolden;
import static dev.dockfsck.cli.it.RepairIt.dockerdOn;
import static dev.dockfsck.cli.it.RepairIt.layerDb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.image.BuiltImage;
import dev.dockfsck.fixtures.image.DockerArchive;
import dev.dockfsck.fixtures.image.ImageSpec;
import dev.dockfsck.fixtures.image.LayerSpec;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.repair.plan.RemoveLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leftovers of a real crash: dockerd killed with SIGKILL while {@code docker load} extracts a
 * large layer leaves the archive copy in {@code tmp/docker-import-*}, the uncommitted
 * {@code layerdb/tmp/write-set-*} and the half-extracted overlay2 dir. Repair removes them, the
 * store works, and the same load then succeeds.
 */
class KilledLoadRepairIT {
    static final String BIG = "dockfsck/big:1";
    static final int FILES = 4;
    static final int FILE_SIZE = 24 << 20;

    @BeforeAll
    static void golden() throws IOException {
        RepairIt.golden();
    }

    static BuiltImage bigImage() {
        LayerSpec.Builder big = LayerSpec.builder().dir("big");
        for (int i = 0; i < FILES; i++) {
            big.bigFile("big/f" + i + ".bin", FILE_SIZE, i);
        }
        return ImageSpec.builder(BIG).layer(SampleSet.baseLayer()).layer(big.build()).build();
    }

    static Set<String> overlayDirs(Path root) throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("overlay2"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("l")).collect(Collectors.toSet());
        }
    }

    @Test
    void dockerdKilledDuringALargeLoad(@TempDir Path tmp) throws Exception {
        Path root = copyGolden(tmp);
        BuiltImage big = bigImage();
        Path archive = tmp.resolve("big.tar");
        DockerArchive.write(List.of(big), archive);
        Set<String> before = overlayDirs(root);

        Dockerd d = Dockerd.start(tmp.resolve("dockerd-killed"), root);
        Process load;
        String half;
        try {
            load = new ProcessBuilder(Dockerd.DOCKER.toString(), "-H", d.host(), "load", "-i", archive.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            half = null;
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (half == null && System.nanoTime() < deadline && load.isAlive()) {
                Set<String> now = overlayDirs(root);
                now.removeAll(before);
                half = now.stream().findFirst().orElse(null);
                if (half == null) {
                    Thread.sleep(2);
                }
            }
        } finally {
            d.kill9();
        }
        load.waitFor();
        assertTrue(half != null, "the load never started extracting a layer");
        assertFalse(Files.exists(layerDb(root, big.chainIds().get(1))), "killed too late: the layer was committed");
        Set<FindingCode> found = codes(root, false);
        assertTrue(found.containsAll(Set.of(FindingCode.ORPHAN_CACHE_DIR, FindingCode.STALE_WRITE_SET,
                FindingCode.STALE_IMPORT_TMP)), "what the kill left: " + found);

        RepairIt.Repaired r = RepairIt.repair(root, tmp.resolve("state"));

        assertEquals(1, r.exit());
        assertEquals(0, r.actions(RemoveLayer.class));
        r.assertPendingExactly();
        assertFalse(Files.exists(root.resolve("overlay2").resolve(half)), "the half-extracted dir is removed");
        try (Stream<Path> s = Stream.concat(Files.list(root.resolve("tmp")),
                Files.list(root.resolve("image/overlay2/layerdb/tmp")))) {
            assertEquals(List.of(), s.toList(), "the import copy and the write-set are removed");
        }
        assertCleanDeep(root);
        try (Dockerd after = dockerdOn(root)) {
            for (String tag : ALL) {
                assertRuns(after, tag);
            }
            assertContainerStarts(after);
            after.load(archive);
            String size = after.dockerOk("run", "--rm", "--network", "none", BIG, "sh", "-c",
                    "wc -c < /big/f" + (FILES - 1) + ".bin");
            assertEquals(Integer.toString(FILE_SIZE), size.strip());
            assertNoStoreErrors(after);
        }
    }
}
