package dev.dockfsck.checker.it;

import static dev.dockfsck.checker.Expect.check;
import static dev.dockfsck.checker.Expect.describe;
import static dev.dockfsck.checker.Expect.exactly;
import static dev.dockfsck.checker.Expect.f;
import static dev.dockfsck.checker.Expect.image;
import static dev.dockfsck.checker.Expect.layer;
import static dev.dockfsck.checker.Expect.one;
import static dev.dockfsck.checker.FindingCode.CONTAINER_IMAGE_DAMAGED;
import static dev.dockfsck.checker.FindingCode.IMAGE_LAYER_MISSING;
import static dev.dockfsck.checker.FindingCode.LAYER_CONTENT_MISMATCH;
import static dev.dockfsck.checker.FindingCode.LAYER_ENTRY_MISMATCH;
import static dev.dockfsck.checker.FindingCode.LAYER_PARENT_DAMAGED;
import static dev.dockfsck.checker.it.GoldenCopy.APP;
import static dev.dockfsck.checker.it.GoldenCopy.IMG_A;
import static dev.dockfsck.checker.it.GoldenCopy.IMG_C;
import static dev.dockfsck.checker.it.GoldenCopy.PADDED;
import static dev.dockfsck.checker.it.GoldenCopy.PATCH;
import static dev.dockfsck.checker.it.GoldenCopy.imageRel;
import static dev.dockfsck.checker.it.GoldenCopy.layerRel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.Expect;
import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.Report;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walk's part of {@code --deep} on the real golden store: which layers it hands to the content
 * verifier (only those whose metadata and dirs are there to be proven, so metadata damage yields
 * the same report deep or not), and how a content mismatch propagates like any damaging finding.
 */
class DeepWalkIT {
    @TempDir
    Path tmp;

    static List<String> lines(Report r) {
        return r.findings().stream().map(f -> f.code() + " " + f.subject() + " " + f.path() + " " + f.affects()).toList();
    }

    @Test
    void metadataDamageGivesTheSameReportDeepOrNot() throws Exception {
        GoldenCopy g = GoldenCopy.at(tmp.resolve("root"));
        // no cache-id, no diff dir, no tar-split: nothing to prove for those three layers
        Files.write(g.layerDir(APP).resolve("cache-id"), new byte[0]);
        GoldenCopy.rmTree(g.overlayDir(GoldenCopy.SMALL).resolve("diff"));
        Files.delete(g.layerDir(GoldenCopy.BASE).resolve("tar-split.json.gz"));
        Report shallow = check(g.root, false);
        Report deep = check(g.root, true);
        assertEquals(lines(shallow), lines(deep), "deep\n" + describe(deep));
        assertTrue(deep.deep());
    }

    @Test
    void truncatedFileInTheAppLayerDamagesWhatStandsOnIt() throws Exception {
        GoldenCopy g = GoldenCopy.at(tmp.resolve("root"));
        // a power cut after extraction: the file's data never reached the disk
        Path big = g.overlayDir(APP).resolve("diff/opt/app/big.bin");
        Files.write(big, java.util.Arrays.copyOf(Files.readAllBytes(big), 4096));
        exactly(check(g.root, false));
        Report r = check(g.root, true);
        exactly(r,
                f(LAYER_CONTENT_MISMATCH, layer(APP), g.overlayRel(APP) + "/diff", image(IMG_A), image(IMG_C), g.ctr()),
                f(LAYER_PARENT_DAMAGED, layer(PATCH), layerRel(PATCH) + "/parent", image(IMG_A), g.ctr()),
                f(LAYER_PARENT_DAMAGED, layer(PADDED), layerRel(PADDED) + "/parent", image(IMG_C)),
                f(IMAGE_LAYER_MISSING, image(IMG_A), imageRel(IMG_A), image(IMG_A), g.ctr()),
                f(IMAGE_LAYER_MISSING, image(IMG_C), imageRel(IMG_C), image(IMG_C)),
                f(CONTAINER_IMAGE_DAMAGED, g.ctr(), g.containerConfigRel(), g.ctr()));
        Finding m = one(r, LAYER_CONTENT_MISMATCH);
        assertTrue(String.valueOf(m.evidence().get("damaged_files")).contains("opt/app/big.bin"), Expect.describe(r));
    }

    /** A symbolic link and an empty file lost from the app layer: docker save would not notice, containers do. */
    @Test
    void entriesWithoutContentLostFromTheAppLayerDamageWhatStandsOnIt() throws Exception {
        GoldenCopy g = GoldenCopy.at(tmp.resolve("root"));
        Files.delete(g.overlayDir(APP).resolve("diff/opt/app/abs-link"));
        Files.delete(g.overlayDir(APP).resolve("diff/opt/app/empty"));
        exactly(check(g.root, false));
        Report r = check(g.root, true);
        exactly(r,
                f(LAYER_ENTRY_MISMATCH, layer(APP), g.overlayRel(APP) + "/diff", image(IMG_A), image(IMG_C), g.ctr()),
                f(LAYER_PARENT_DAMAGED, layer(PATCH), layerRel(PATCH) + "/parent", image(IMG_A), g.ctr()),
                f(LAYER_PARENT_DAMAGED, layer(PADDED), layerRel(PADDED) + "/parent", image(IMG_C)),
                f(IMAGE_LAYER_MISSING, image(IMG_A), imageRel(IMG_A), image(IMG_A), g.ctr()),
                f(IMAGE_LAYER_MISSING, image(IMG_C), imageRel(IMG_C), image(IMG_C)),
                f(CONTAINER_IMAGE_DAMAGED, g.ctr(), g.containerConfigRel(), g.ctr()));
        Finding m = one(r, LAYER_ENTRY_MISMATCH);
        assertEquals(2, m.evidence().get("damaged_entries_total"));
        assertTrue(String.valueOf(m.evidence().get("damaged_entries")).contains("opt/app/abs-link"), Expect.describe(r));
    }
}
