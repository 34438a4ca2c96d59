package dev.dockfsck.cli.it;

import static dev.dockfsck.cli.it.RepairIt.ALL;
import static dev.dockfsck.cli.it.RepairIt.assertCleanDeep;
import static dev.dockfsck.cli.it.RepairIt.assertContainerStarts;
import static dev.dockfsck.cli.it.RepairIt.assertRuns;
import static dev.dockfsck.cli.it.RepairIt.chain;
import static dev.dockfsck.cli.it.RepairIt.codes;
import static dev.dockfsck.cli.it.RepairIt.copyGolden;
import static dev.dockfsck.cli.it.RepairIt.dockerdOn;
import static dev.dockfsck.cli.it.RepairIt.empty;
import static dev.dockfsck.cli.it.RepairIt.imageId;
import static dev.dockfsck.cli.it.RepairIt.layerDb;
import static dev.dockfsck.cli.it.RepairIt.linkId;
import static dev.dockfsck.cli.it.RepairIt.overlayDir;
import static dev.dockfsck.cli.it.RepairIt.repair;
import static dev.dockfsck.cli.it.RepairIt.repositoriesJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.model.Digest;
import dev.dockfsck.repair.plan.RemoveLayer;
import dev.dockfsck.repair.plan.RemovePath;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Damage repair fixes in place (size, link, l/ symlink, lower, repositories.json): every image is
 * kept and runs on the repaired root without any re-load, and golden-ctr still starts.
 */
class InPlaceRepairIT {
    @BeforeAll
    static void golden() throws IOException {
        RepairIt.golden();
    }

    /** Nothing removed: no layer, no image, no pending restore; everything runs as before. */
    static void assertKeptAndRuns(RepairIt.Repaired r) throws IOException {
        assertEquals(1, r.exit(), "errors corrected");
        assertEquals(0, r.actions(RemoveLayer.class), "an in-place fix removes no layer: " + r.plan());
        assertTrue(r.plan().actions().stream().noneMatch(a -> a instanceof RemovePath rp
                && rp.path().contains("imagedb")), "an in-place fix removes no image: " + r.plan());
        r.assertPendingExactly();
        assertCleanDeep(r.root());
        try (Dockerd d = dockerdOn(r.root())) {
            for (String tag : ALL) {
                assertRuns(d, tag);
            }
            assertContainerStarts(d);
        }
    }

    @Test
    void emptySizeIsRecomputedFromDiff(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        Path size = layerDb(root, chain(SampleSet.A).get(0)).resolve("size");
        String dockerdSize = Files.readString(size);
        empty(size);
        assertTrue(codes(root, false).contains(FindingCode.LAYER_FILE_INVALID)
                || codes(root, false).contains(FindingCode.LAYER_FILE_MISSING), "the empty size is found");

        RepairIt.Repaired r = repair(root, tmp.resolve("state"));

        assertEquals(dockerdSize, Files.readString(size), "size recomputed as dockerd computed it");
        assertKeptAndRuns(r);
    }

    @Test
    void emptyLinkIsRewrittenFromItsShortLink(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        Digest app = chain(SampleSet.A).get(1);
        String link = linkId(root, app);
        empty(overlayDir(root, app).resolve("link"));
        assertTrue(codes(root, false).contains(FindingCode.OVERLAY_LINK_INVALID));

        RepairIt.Repaired r = repair(root, tmp.resolve("state"));

        assertEquals(link, linkId(root, app), "the l/ entry that still points at the dir is reused");
        assertKeptAndRuns(r);
    }

    @Test
    void emptyLinkWithoutShortLinkGetsANewIdAndEveryLowerNamingItIsRewritten(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        Digest app = chain(SampleSet.A).get(1);
        String old = linkId(root, app);
        empty(overlayDir(root, app).resolve("link"));
        Files.delete(root.resolve("overlay2/l").resolve(old));
        List<Path> lowers = lowersNaming(root, old);
        // A's and C's top layers, golden-ctr's init and RW layers
        assertEquals(4, lowers.size(), "lower files naming the app layer: " + lowers);

        RepairIt.Repaired r = repair(root, tmp.resolve("state"));

        String now = linkId(root, app);
        assertNotEquals(old, now);
        assertEquals("../" + overlayDir(root, app).getFileName() + "/diff",
                Files.readSymbolicLink(root.resolve("overlay2/l").resolve(now)).toString());
        for (Path lower : lowers) {
            String text = Files.readString(lower);
            assertTrue(text.contains("l/" + now) && !text.contains("l/" + old), lower + ": " + text);
        }
        assertKeptAndRuns(r);
    }

    @Test
    void missingShortLinkIsRecreated(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        Digest base = chain(SampleSet.A).get(0);
        Path l = root.resolve("overlay2/l").resolve(linkId(root, base));
        String target = Files.readSymbolicLink(l).toString();
        Files.delete(l);
        assertTrue(codes(root, false).contains(FindingCode.OVERLAY_SYMLINK_MISSING));

        RepairIt.Repaired r = repair(root, tmp.resolve("state"));

        assertEquals(target, Files.readSymbolicLink(l).toString());
        assertKeptAndRuns(r);
    }

    @Test
    void shortLinkPointingIntoAnotherDirIsPointedBack(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        List<Digest> b = chain(SampleSet.B);
        Path l = root.resolve("overlay2/l").resolve(linkId(root, b.get(2)));
        String target = Files.readSymbolicLink(l).toString();
        Files.delete(l);
        Files.createSymbolicLink(l, Path.of("../" + RepairIt.cacheId(root, b.get(1)) + "/diff"));
        assertTrue(codes(root, false).contains(FindingCode.OVERLAY_SYMLINK_WRONG));

        RepairIt.Repaired r = repair(root, tmp.resolve("state"));

        assertEquals(target, Files.readSymbolicLink(l).toString());
        assertKeptAndRuns(r);
    }

    /** No app store: bin/sh and /tmp lost from the base layer are made again from its tar-split. */
    @Test
    void lostEntriesWithoutContentAreRecreatedFromTheTarSplit(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        Path base = overlayDir(root, chain(SampleSet.A).get(0)).resolve("diff");
        Files.delete(base.resolve("bin/sh"));
        Files.delete(base.resolve("tmp"));
        assertTrue(codes(root, true).contains(FindingCode.LAYER_ENTRY_MISMATCH));

        RepairIt.Repaired r = repair(root, tmp.resolve("state"), "--deep");

        assertEquals(1, r.actions(dev.dockfsck.repair.plan.RecreateEntries.class), String.valueOf(r.plan()));
        assertEquals("busybox", Files.readSymbolicLink(base.resolve("bin/sh")).toString());
        assertEquals(01777, (int) Files.getAttribute(base.resolve("tmp"), "unix:mode") & 07777);
        assertKeptAndRuns(r);
    }

    @Test
    void emptyLowerIsRebuiltFromTheParentChain(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        Path lower = overlayDir(root, chain(SampleSet.A).get(2)).resolve("lower");
        String before = Files.readString(lower);
        empty(lower);
        assertTrue(codes(root, false).contains(FindingCode.OVERLAY_LOWER_INVALID));

        RepairIt.Repaired r = repair(root, tmp.resolve("state"));

        assertEquals(before, Files.readString(lower));
        assertKeptAndRuns(r);
    }

    @Test
    void containerLayersEmptyLowerAndInitLinkAreRebuilt(@TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        Path mount = root.resolve("image/overlay2/layerdb/mounts").resolve(RepairIt.golden().containerId());
        String mountId = Files.readString(mount.resolve("mount-id"));
        Path rw = root.resolve("overlay2").resolve(mountId);
        Path init = root.resolve("overlay2").resolve(mountId + "-init");
        String rwLower = Files.readString(rw.resolve("lower"));
        String initLink = Files.readString(init.resolve("link"));
        empty(rw.resolve("lower"));
        empty(init.resolve("link"));
        // the checker reports the init layer's link; the RW layer's lower it cannot judge while the
        // init link is unreadable (it names that link), but the plan rebuilds both
        assertTrue(codes(root, false).contains(FindingCode.OVERLAY_LINK_INVALID));

        RepairIt.Repaired r = repair(root, tmp.resolve("state"));

        assertEquals(initLink, Files.readString(init.resolve("link")));
        assertEquals(rwLower, Files.readString(rw.resolve("lower")));
        assertKeptAndRuns(r);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{\"Repositories\":{\"dockfsck/sample-a\":{\"dockfsck/sa", "\u0000\u0000garbage"})
    void unreadableRepositoriesJsonIsRebuiltAndDockerdStarts(String content, @TempDir Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        Files.writeString(repositoriesJson(root), content, StandardCharsets.UTF_8);
        assertTrue(codes(root, false).contains(FindingCode.REPOSITORIES_INVALID));

        RepairIt.Repaired r = repair(root, tmp.resolve("state"));

        JsonNode repos = new ObjectMapper().readTree(repositoriesJson(root).toFile()).get("Repositories");
        assertEquals(imageId(SampleSet.A).toString(), repos.path("dockfsck/sample-a").path(SampleSet.A).asText(),
                "golden-ctr's image name survives: " + repos);
        assertEquals(1, r.exit());
        r.assertPendingExactly();
        assertCleanDeep(root);
        try (Dockerd d = dockerdOn(root)) {
            assertRuns(d, SampleSet.A);
            // the other images are kept; without an app store their tags are lost: run them by ID
            for (String tag : List.of(SampleSet.B, SampleSet.C)) {
                assertRuns(d, imageId(tag).toString(), tag);
            }
            assertContainerStarts(d);
        }
    }

    /** Every overlay2 {@code lower} file that names {@code l/<link>}. */
    static List<Path> lowersNaming(Path root, String link) throws IOException {
        try (Stream<Path> s = Files.list(root.resolve("overlay2"))) {
            return s.map(d -> d.resolve("lower")).filter(Files::isRegularFile).filter(p -> {
                try {
                    return Set.of(Files.readString(p).split(":")).contains("l/" + link);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sorted().toList();
        }
    }
}
