package dev.dockfsck.checker.it;

import static dev.dockfsck.checker.Expect.c;
import static dev.dockfsck.checker.Expect.check;
import static dev.dockfsck.checker.Expect.exactly;
import static dev.dockfsck.checker.Expect.f;
import static dev.dockfsck.checker.Expect.image;
import static dev.dockfsck.checker.Expect.layer;
import static dev.dockfsck.checker.Expect.one;
import static dev.dockfsck.checker.Expect.path;
import static dev.dockfsck.checker.Expect.summary;
import static dev.dockfsck.checker.FindingCode.CONTAINER_CONFIG_INVALID;
import static dev.dockfsck.checker.FindingCode.CONTAINER_IMAGE_DAMAGED;
import static dev.dockfsck.checker.FindingCode.CONTAINER_LAYER_MISSING;
import static dev.dockfsck.checker.FindingCode.IMAGE_CONFIG_INVALID;
import static dev.dockfsck.checker.FindingCode.IMAGE_LAYER_MISSING;
import static dev.dockfsck.checker.FindingCode.INTERRUPTED_REMOVAL;
import static dev.dockfsck.checker.FindingCode.LAYER_CACHE_DIR_MISSING;
import static dev.dockfsck.checker.FindingCode.LAYER_FILE_INVALID;
import static dev.dockfsck.checker.FindingCode.LAYER_FILE_MISSING;
import static dev.dockfsck.checker.FindingCode.LAYER_PARENT_DAMAGED;
import static dev.dockfsck.checker.FindingCode.LAYER_PARENT_MISSING;
import static dev.dockfsck.checker.FindingCode.LAYER_TAR_SPLIT_MISSING;
import static dev.dockfsck.checker.FindingCode.LAYER_UNREFERENCED;
import static dev.dockfsck.checker.FindingCode.ORPHAN_CACHE_DIR;
import static dev.dockfsck.checker.FindingCode.OVERLAY_DIFF_MISSING;
import static dev.dockfsck.checker.FindingCode.OVERLAY_LINK_INVALID;
import static dev.dockfsck.checker.FindingCode.OVERLAY_LOWER_INVALID;
import static dev.dockfsck.checker.FindingCode.OVERLAY_SYMLINK_DANGLING;
import static dev.dockfsck.checker.FindingCode.OVERLAY_SYMLINK_WRONG;
import static dev.dockfsck.checker.FindingCode.OVERLAY_SYMLINK_MISSING;
import static dev.dockfsck.checker.FindingCode.REFERENCE_TARGET_MISSING;
import static dev.dockfsck.checker.FindingCode.REPOSITORIES_INVALID;
import static dev.dockfsck.checker.FindingCode.STALE_IMPORT_TMP;
import static dev.dockfsck.checker.FindingCode.STALE_WRITE_SET;
import static dev.dockfsck.checker.FindingCode.UNEXPECTED_ENTRY;
import static dev.dockfsck.checker.it.GoldenCopy.APP;
import static dev.dockfsck.checker.it.GoldenCopy.BASE;
import static dev.dockfsck.checker.it.GoldenCopy.EMPTY;
import static dev.dockfsck.checker.it.GoldenCopy.IMG_A;
import static dev.dockfsck.checker.it.GoldenCopy.IMG_B;
import static dev.dockfsck.checker.it.GoldenCopy.IMG_C;
import static dev.dockfsck.checker.it.GoldenCopy.PADDED;
import static dev.dockfsck.checker.it.GoldenCopy.PATCH;
import static dev.dockfsck.checker.it.GoldenCopy.SMALL;
import static dev.dockfsck.checker.it.GoldenCopy.imageRel;
import static dev.dockfsck.checker.it.GoldenCopy.layerRel;
import static dev.dockfsck.checker.it.GoldenCopy.rmTree;
import static dev.dockfsck.checker.it.GoldenCopy.truncate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.Severity;
import dev.dockfsck.checker.Subject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every finding code the shallow checker has, produced on a private copy of the store the real
 * dockerd 20.10 wrote (images A, B, C sharing a base layer; A and C share the app layer; container
 * golden-ctr on A), damaged the way a power cut, a kill or an interrupted command leaves it. Each
 * test states the whole report: which code on which subject, at which path, affecting which
 * images and containers, and nothing else.
 */
class GoldenDamageIT {
    @TempDir
    Path tmp;
    GoldenCopy g;
    Path root;

    @BeforeEach
    void copy() throws Exception {
        g = GoldenCopy.at(tmp.resolve("root"));
        root = g.root;
    }

    // ------------------------------------------------------------------ layerdb files

    @Test
    void emptyCacheIdInTheMiddleLayerDamagesEverythingAboveIt() throws Exception {
        truncate(g.layerDir(APP).resolve("cache-id"));
        Report r = check(root);
        exactly(r,
                f(LAYER_FILE_INVALID, layer(APP), layerRel(APP) + "/cache-id", image(IMG_A), image(IMG_C), g.ctr()),
                f(LAYER_PARENT_DAMAGED, layer(PATCH), layerRel(PATCH) + "/parent", image(IMG_A), g.ctr()),
                f(LAYER_PARENT_DAMAGED, layer(PADDED), layerRel(PADDED) + "/parent", image(IMG_C)),
                f(IMAGE_LAYER_MISSING, image(IMG_A), imageRel(IMG_A), image(IMG_A), g.ctr()),
                f(IMAGE_LAYER_MISSING, image(IMG_C), imageRel(IMG_C), image(IMG_C)),
                f(CONTAINER_IMAGE_DAMAGED, g.ctr(), g.containerConfigRel(), g.ctr()));
        Finding root = one(r, LAYER_FILE_INVALID);
        assertEquals(Map.of("file", "cache-id", "defect", "empty", "detail", ""), root.evidence());
        assertEquals(List.of(image(IMG_C), image(IMG_A), g.ctr()).stream().sorted().toList(), root.affects());
        Finding imgA = r.findings(IMAGE_LAYER_MISSING).stream().filter(f -> f.subject().equals(image(IMG_A)))
                .findFirst().orElseThrow();
        assertEquals(List.of(), imgA.evidence().get("missing_layers"));
        assertEquals(List.of(APP.toString(), PATCH.toString()), imgA.evidence().get("damaged_layers"));
        for (Finding pd : r.findings(LAYER_PARENT_DAMAGED)) {
            assertEquals(APP.toString(), pd.evidence().get("parent"));
        }
        assertTrue(r.isDamaged(layer(APP)) && r.isDamaged(layer(PATCH)) && r.isDamaged(layer(PADDED)));
        assertFalse(r.isDamaged(layer(BASE)) || r.isDamaged(layer(EMPTY)) || r.isDamaged(layer(SMALL)));
        assertFalse(r.isDamaged(image(IMG_B)));
        assertFalse(r.clean());
        summary(r, c(3, 1, 2), c(6, 3, 3), c(1, 0, 1), 6, 0, 0);
    }

    @Test
    void emptyCacheIdInTheBaseLayerDamagesEveryLayerImageAndTheContainer() throws Exception {
        truncate(g.layerDir(BASE).resolve("cache-id"));
        Report r = check(root);
        exactly(r,
                f(LAYER_FILE_INVALID, layer(BASE), layerRel(BASE) + "/cache-id", image(IMG_A), image(IMG_B), image(IMG_C),
                        g.ctr()),
                f(LAYER_PARENT_DAMAGED, layer(APP), layerRel(APP) + "/parent", image(IMG_A), image(IMG_C), g.ctr()),
                f(LAYER_PARENT_DAMAGED, layer(PATCH), layerRel(PATCH) + "/parent", image(IMG_A), g.ctr()),
                f(LAYER_PARENT_DAMAGED, layer(PADDED), layerRel(PADDED) + "/parent", image(IMG_C)),
                f(LAYER_PARENT_DAMAGED, layer(EMPTY), layerRel(EMPTY) + "/parent", image(IMG_B)),
                f(LAYER_PARENT_DAMAGED, layer(SMALL), layerRel(SMALL) + "/parent", image(IMG_B)),
                f(IMAGE_LAYER_MISSING, image(IMG_A), imageRel(IMG_A), image(IMG_A), g.ctr()),
                f(IMAGE_LAYER_MISSING, image(IMG_B), imageRel(IMG_B), image(IMG_B)),
                f(IMAGE_LAYER_MISSING, image(IMG_C), imageRel(IMG_C), image(IMG_C)),
                f(CONTAINER_IMAGE_DAMAGED, g.ctr(), g.containerConfigRel(), g.ctr()));
        summary(r, c(3, 0, 3), c(6, 0, 6), c(1, 0, 1), 10, 0, 0);
    }

    @Test
    void missingSizeOfATopLayerDamagesOnlyItsImage() throws Exception {
        Files.delete(g.layerDir(SMALL).resolve("size"));
        Report r = check(root);
        exactly(r,
                f(LAYER_FILE_MISSING, layer(SMALL), layerRel(SMALL) + "/size", image(IMG_B)),
                f(IMAGE_LAYER_MISSING, image(IMG_B), imageRel(IMG_B), image(IMG_B)));
        assertEquals(Map.of("file", "size", "defect", "missing", "detail", ""), one(r, LAYER_FILE_MISSING).evidence());
        summary(r, c(3, 2, 1), c(6, 5, 1), c(1, 1, 0), 2, 0, 0);
    }

    @Test
    void sizeWithANewlineIsInvalidButANegativeSizeIsNot() throws Exception {
        // observed on dockerd 20.10.24: "15\n" -> "layer does not exist, not restoring image" (GetSize
        // is strconv.ParseInt on the raw bytes); "-5" -> the layer and image B load and run
        Path size = g.layerDir(SMALL).resolve("size");
        Files.writeString(size, "-5");
        exactly(check(root));
        Files.writeString(size, "15\n");
        Report r = check(root);
        exactly(r,
                f(LAYER_FILE_INVALID, layer(SMALL), layerRel(SMALL) + "/size", image(IMG_B)),
                f(IMAGE_LAYER_MISSING, image(IMG_B), imageRel(IMG_B), image(IMG_B)));
        assertEquals("malformed", one(r, LAYER_FILE_INVALID).evidence().get("defect"));
    }

    @Test
    void missingDiffFileOfTheContainersTopLayer() throws Exception {
        Files.delete(g.layerDir(PATCH).resolve("diff"));
        Report r = check(root);
        exactly(r,
                f(LAYER_FILE_MISSING, layer(PATCH), layerRel(PATCH) + "/diff", image(IMG_A), g.ctr()),
                f(IMAGE_LAYER_MISSING, image(IMG_A), imageRel(IMG_A), image(IMG_A), g.ctr()),
                f(CONTAINER_IMAGE_DAMAGED, g.ctr(), g.containerConfigRel(), g.ctr()));
    }

    @Test
    void cutDiffFileIsInvalid() throws Exception {
        Path diff = g.layerDir(SMALL).resolve("diff");
        Files.writeString(diff, GoldenCopy.read(diff).substring(0, 30));
        Report r = check(root);
        exactly(r,
                f(LAYER_FILE_INVALID, layer(SMALL), layerRel(SMALL) + "/diff", image(IMG_B)),
                f(IMAGE_LAYER_MISSING, image(IMG_B), imageRel(IMG_B), image(IMG_B)));
        assertEquals("malformed", one(r, LAYER_FILE_INVALID).evidence().get("defect"));
    }

    @Test
    void lostLayerDbEntryOfTheMiddleLayerLeavesItsChildrenDangling() throws Exception {
        // the write-set rename was never synced: the layer dir is gone, its overlay2 dir stays
        rmTree(g.layerDir(APP));
        Report r = check(root);
        exactly(r,
                f(LAYER_PARENT_MISSING, layer(PATCH), layerRel(PATCH) + "/parent", image(IMG_A), g.ctr()),
                f(LAYER_PARENT_MISSING, layer(PADDED), layerRel(PADDED) + "/parent", image(IMG_C)),
                f(IMAGE_LAYER_MISSING, image(IMG_A), imageRel(IMG_A), image(IMG_A), g.ctr()),
                f(IMAGE_LAYER_MISSING, image(IMG_C), imageRel(IMG_C), image(IMG_C)),
                f(CONTAINER_IMAGE_DAMAGED, g.ctr(), g.containerConfigRel(), g.ctr()));
        Finding imgC = r.findings(IMAGE_LAYER_MISSING).stream().filter(f -> f.subject().equals(image(IMG_C)))
                .findFirst().orElseThrow();
        assertEquals(List.of(APP.toString()), imgC.evidence().get("missing_layers"));
        assertEquals(List.of(PADDED.toString()), imgC.evidence().get("damaged_layers"));
        summary(r, c(3, 1, 2), c(5, 3, 2), c(1, 0, 1), 5, 0, 0);
    }

    @Test
    void lostLayerDbEntryOfATopLayerLeavesAnOrphanCacheDir() throws Exception {
        String cache = g.overlayRel(SMALL);
        long bytes = GoldenCopy.du(g.overlayDir(SMALL));
        rmTree(g.layerDir(SMALL));
        Report r = check(root);
        exactly(r,
                f(IMAGE_LAYER_MISSING, image(IMG_B), imageRel(IMG_B), image(IMG_B)),
                f(ORPHAN_CACHE_DIR, path(cache), cache));
        Finding orphan = one(r, ORPHAN_CACHE_DIR);
        assertTrue(bytes > 0);
        assertEquals(bytes, orphan.evidence().get("bytes"));
        assertEquals(bytes, r.summary().bytesReclaimable());
        assertEquals(List.of(SMALL.toString()), one(r, IMAGE_LAYER_MISSING).evidence().get("missing_layers"));
    }

    @Test
    void missingTarSplitIsAWarningThatDamagesNothing() throws Exception {
        Files.delete(g.layerDir(APP).resolve("tar-split.json.gz"));
        Report r = check(root);
        exactly(r, f(LAYER_TAR_SPLIT_MISSING, layer(APP), layerRel(APP) + "/tar-split.json.gz"));
        assertEquals("missing", one(r, LAYER_TAR_SPLIT_MISSING).evidence().get("found"));
        assertFalse(r.clean());
        assertFalse(r.isDamaged(layer(APP)));
        summary(r, c(3, 3, 0), c(6, 6, 0), c(1, 1, 0), 0, 1, 0);
    }

    // ------------------------------------------------------------------ overlay2 dirs

    @Test
    void missingCacheDirOfATopLayer() throws Exception {
        String cacheId = g.cacheId(SMALL);
        String link = g.link(SMALL);
        rmTree(g.overlayDir(SMALL));
        Report r = check(root);
        exactly(r,
                f(LAYER_CACHE_DIR_MISSING, layer(SMALL), "overlay2/" + cacheId, image(IMG_B)),
                f(IMAGE_LAYER_MISSING, image(IMG_B), imageRel(IMG_B), image(IMG_B)),
                // its l/ symlink now points at nothing: a leftover, not damage
                f(OVERLAY_SYMLINK_DANGLING, Severity.WARNING, path("overlay2/l/" + link), "overlay2/l/" + link));
        assertEquals(cacheId, one(r, LAYER_CACHE_DIR_MISSING).evidence().get("cache_id"));
    }

    @Test
    void missingDiffDirOfTheMiddleLayer() throws Exception {
        rmTree(g.overlayDir(APP).resolve("diff"));
        Report r = check(root);
        exactly(r,
                f(OVERLAY_DIFF_MISSING, layer(APP), g.overlayRel(APP) + "/diff", image(IMG_A), image(IMG_C), g.ctr()),
                f(LAYER_PARENT_DAMAGED, layer(PATCH), layerRel(PATCH) + "/parent", image(IMG_A), g.ctr()),
                f(LAYER_PARENT_DAMAGED, layer(PADDED), layerRel(PADDED) + "/parent", image(IMG_C)),
                f(IMAGE_LAYER_MISSING, image(IMG_A), imageRel(IMG_A), image(IMG_A), g.ctr()),
                f(IMAGE_LAYER_MISSING, image(IMG_C), imageRel(IMG_C), image(IMG_C)),
                f(CONTAINER_IMAGE_DAMAGED, g.ctr(), g.containerConfigRel(), g.ctr()));
    }

    @Test
    void emptyLinkFile() throws Exception {
        // before moby PR 46471 link was written without fsync: empty after a power cut
        truncate(g.overlayDir(APP).resolve("link"));
        Report r = check(root);
        // a middle layer: dockerd reads its link only to create a layer directly on it; what exists
        // (the layers above, A, C and the container) keeps working (DockerdAgreesIT)
        exactly(r, f(OVERLAY_LINK_INVALID, layer(APP), g.overlayRel(APP) + "/link"));
        assertEquals("empty", one(r, OVERLAY_LINK_INVALID).evidence().get("defect"));
        summary(r, c(3, 3, 0), c(6, 5, 1), c(1, 1, 0), 1, 0, 0);
    }

    /** The right lower of PATCH is unknown while APP's link is broken; an empty one is wrong all the same. */
    @Test
    void emptyLowerAboveAnEmptyLink() throws Exception {
        truncate(g.overlayDir(APP).resolve("link"));
        truncate(g.overlayDir(PATCH).resolve("lower"));
        Report r = check(root);
        exactly(r,
                f(OVERLAY_LINK_INVALID, layer(APP), g.overlayRel(APP) + "/link"),
                f(OVERLAY_LOWER_INVALID, layer(PATCH), g.overlayRel(PATCH) + "/lower", image(IMG_A)));
        Finding f = one(r, OVERLAY_LOWER_INVALID);
        assertEquals("empty", f.evidence().get("defect"));
        assertEquals("", f.evidence().get("expected"));
        summary(r, c(3, 2, 1), c(6, 4, 2), c(1, 1, 0), 2, 0, 0);
    }

    @Test
    void missingShortLinkOfALayer() throws Exception {
        String link = g.link(SMALL);
        Files.delete(root.resolve("overlay2/l/" + link));
        Report r = check(root);
        exactly(r,
                f(OVERLAY_SYMLINK_MISSING, layer(SMALL), "overlay2/l/" + link, image(IMG_B)),
                f(IMAGE_LAYER_MISSING, image(IMG_B), imageRel(IMG_B), image(IMG_B)));
        assertEquals(link, one(r, OVERLAY_SYMLINK_MISSING).evidence().get("link"));
    }

    @Test
    void emptyLowerOfTheContainersTopLayer() throws Exception {
        String expected = "l/" + g.link(APP) + ":l/" + g.link(BASE);
        assertEquals(expected, GoldenCopy.read(g.overlayDir(PATCH).resolve("lower")));
        truncate(g.overlayDir(PATCH).resolve("lower"));
        Report r = check(root);
        // A's top layer: a new container of A gets this lower; the container created before
        // mounts its own
        exactly(r, f(OVERLAY_LOWER_INVALID, layer(PATCH), g.overlayRel(PATCH) + "/lower", image(IMG_A)));
        summary(r, c(3, 2, 1), c(6, 5, 1), c(1, 1, 0), 1, 0, 0);
        Finding f = one(r, OVERLAY_LOWER_INVALID);
        assertEquals(expected, f.evidence().get("expected"));
        assertEquals("empty", f.evidence().get("defect"));
    }

    @Test
    void lowerOfTheContainersInitLayerNamingTheWrongChain() throws Exception {
        Path lower = root.resolve("overlay2/" + g.mountId() + "-init/lower");
        String good = GoldenCopy.read(lower);
        // one entry lost: the container would see its image without the app layer
        String bad = "l/" + g.link(PATCH) + ":l/" + g.link(BASE);
        Files.writeString(lower, bad);
        Report r = check(root);
        exactly(r, f(OVERLAY_LOWER_INVALID, g.ctr(), "overlay2/" + g.mountId() + "-init/lower", g.ctr()));
        Finding f = one(r, OVERLAY_LOWER_INVALID);
        assertEquals(good, f.evidence().get("expected"));
        assertEquals(bad, f.evidence().get("found"));
        summary(r, c(3, 3, 0), c(6, 6, 0), c(1, 0, 1), 1, 0, 0);
    }

    @Test
    void strayShortLinkPointingAtNoDir() throws Exception {
        // an l/ entry synced while the dir it names was not
        String name = "ZZZZZZZZZZZZZZZZZZZZZZZZZZ";
        Files.createSymbolicLink(root.resolve("overlay2/l/" + name), Path.of("../" + "ab".repeat(32) + "/diff"));
        Report r = check(root);
        exactly(r, f(OVERLAY_SYMLINK_DANGLING, path("overlay2/l/" + name), "overlay2/l/" + name));
        assertTrue(one(r, OVERLAY_SYMLINK_DANGLING).affects().isEmpty());
    }

    /** The l/ entry of a layer pointing at nothing is that layer's damage, not a leftover as well. */
    @Test
    void shortLinkOfALayerPointingAtNothing() throws Exception {
        String link = g.link(SMALL);
        Path l = root.resolve("overlay2/l/" + link);
        Files.delete(l);
        Files.createSymbolicLink(l, Path.of("../" + "0".repeat(64) + "/diff"));
        exactly(check(root), f(OVERLAY_SYMLINK_WRONG, layer(SMALL), "overlay2/l/" + link, image(IMG_B)),
                f(IMAGE_LAYER_MISSING, image(IMG_B), imageRel(IMG_B), image(IMG_B)));
    }

    @Test
    void shortLinkOfALayerPointingIntoAnotherDir() throws Exception {
        String link = g.link(SMALL);
        Path l = root.resolve("overlay2/l/" + link);
        Files.delete(l);
        Files.createSymbolicLink(l, Path.of("../" + g.cacheId(EMPTY) + "/diff"));
        Report r = check(root);
        // a container on B would mount EMPTY's files in place of SMALL's (DockerdAgreesIT)
        exactly(r, f(OVERLAY_SYMLINK_WRONG, layer(SMALL), "overlay2/l/" + link, image(IMG_B)),
                f(IMAGE_LAYER_MISSING, image(IMG_B), imageRel(IMG_B), image(IMG_B)));
        Finding f = one(r, OVERLAY_SYMLINK_WRONG);
        assertEquals("../" + g.cacheId(SMALL) + "/diff", f.evidence().get("expected"));
        assertEquals("../" + g.cacheId(EMPTY) + "/diff", f.evidence().get("target"));
    }

    // ------------------------------------------------------------------ images and references

    @Test
    void truncatedImageConfig() throws Exception {
        Path cfg = g.imageConfig(IMG_A);
        byte[] b = Files.readAllBytes(cfg);
        Files.write(cfg, java.util.Arrays.copyOf(b, b.length / 2));
        Report r = check(root);
        exactly(r,
                f(IMAGE_CONFIG_INVALID, image(IMG_A), imageRel(IMG_A), image(IMG_A), g.ctr()),
                f(CONTAINER_IMAGE_DAMAGED, g.ctr(), g.containerConfigRel(), g.ctr()));
        assertEquals("truncated", one(r, IMAGE_CONFIG_INVALID).evidence().get("defect"));
        // the layers are fine, and still in use through the container's RW layer
        summary(r, c(3, 2, 1), c(6, 6, 0), c(1, 0, 1), 2, 0, 0);
    }

    @Test
    void imageConfigWithAChangedByteFailsToVerify() throws Exception {
        Path cfg = g.imageConfig(IMG_C);
        String s = GoldenCopy.read(cfg);
        Files.writeString(cfg, s.replace("\"sample\":\"c\"", "\"sample\":\"x\""));
        Report r = check(root);
        exactly(r, f(IMAGE_CONFIG_INVALID, image(IMG_C), imageRel(IMG_C), image(IMG_C)),
                // PADDED is only on C, whose chain can no longer be read
                f(LAYER_UNREFERENCED, layer(PADDED), layerRel(PADDED)));
        assertEquals("digest_mismatch", one(r, IMAGE_CONFIG_INVALID).evidence().get("defect"));
    }

    @Test
    void emptyRepositoriesJsonTakesEverythingDown() throws Exception {
        truncate(g.repositories());
        Report r = check(root);
        exactly(r, f(REPOSITORIES_INVALID, path("image/overlay2/repositories.json"), "image/overlay2/repositories.json",
                image(IMG_A), image(IMG_B), image(IMG_C), g.ctr()));
        summary(r, c(3, 0, 3), c(6, 6, 0), c(1, 0, 1), 1, 0, 0);
    }

    @Test
    void missingRepositoriesJsonIsFine() throws Exception {
        Files.delete(g.repositories());
        Report r = check(root);
        exactly(r);
        assertTrue(r.clean());
    }

    @Test
    void imageConfigLostBeforeItsTagLeavesUnreferencedLayersAndADanglingTag() throws Exception {
        Files.delete(g.imageConfig(IMG_B));
        Report r = check(root);
        exactly(r,
                f(LAYER_UNREFERENCED, layer(EMPTY), layerRel(EMPTY)),
                f(LAYER_UNREFERENCED, layer(SMALL), layerRel(SMALL)),
                f(REFERENCE_TARGET_MISSING, Subject.reference("dockfsck/sample-b:1"), "image/overlay2/repositories.json"));
        assertEquals(IMG_B.toString(), one(r, REFERENCE_TARGET_MISSING).evidence().get("target"));
        summary(r, c(2, 2, 0), c(6, 6, 0), c(1, 1, 0), 0, 1, 2);
    }

    @Test
    void powerCutBetweenLayerRegistrationAndImageConfigIsOnlyInfo() throws Exception {
        // the layers were registered (synced), neither config nor tag was written yet
        Files.delete(g.imageConfig(IMG_B));
        Files.writeString(g.repositories(), GoldenCopy.read(g.repositories())
                .replace(",\"dockfsck/sample-b\":{\"dockfsck/sample-b:1\":\"" + IMG_B + "\"}", ""));
        Report r = check(root);
        exactly(r,
                f(LAYER_UNREFERENCED, layer(EMPTY), layerRel(EMPTY)),
                f(LAYER_UNREFERENCED, layer(SMALL), layerRel(SMALL)));
        assertTrue(r.clean(), "info only: check exits 0");
        assertEquals(15L, r.findings(LAYER_UNREFERENCED).get(1).evidence().get("size"));
    }

    // ------------------------------------------------------------------ containers

    @Test
    void emptyContainerConfig() throws Exception {
        truncate(root.resolve(g.containerConfigRel()));
        Report r = check(root);
        exactly(r, f(CONTAINER_CONFIG_INVALID, g.ctr(), g.containerConfigRel(), g.ctr()));
        summary(r, c(3, 3, 0), c(6, 6, 0), c(1, 0, 1), 1, 0, 0);
    }

    /** hostconfig.json: absent is dockerd's default; present but cut off or not an object fails the load. */
    @Test
    void hostConfigOfTheContainer() throws Exception {
        Path host = root.resolve(g.containerDirRel()).resolve("hostconfig.json");
        byte[] good = Files.readAllBytes(host);
        Files.write(host, java.util.Arrays.copyOf(good, good.length / 2));
        Report r = check(root);
        exactly(r, f(CONTAINER_CONFIG_INVALID, g.ctr(), g.containerDirRel() + "/hostconfig.json", g.ctr()));
        assertEquals("hostconfig.json", one(r, CONTAINER_CONFIG_INVALID).evidence().get("file"));
        assertEquals("truncated", one(r, CONTAINER_CONFIG_INVALID).evidence().get("defect"));
        summary(r, c(3, 3, 0), c(6, 6, 0), c(1, 0, 1), 1, 0, 0);

        Files.writeString(host, "[]");
        assertEquals("malformed", one(check(root), CONTAINER_CONFIG_INVALID).evidence().get("defect"));

        Files.delete(host);
        assertEquals(List.of(), check(root).findings(), "a missing hostconfig.json is the defaults");
    }

    @Test
    void missingRwDirOfTheContainer() throws Exception {
        String mountId = g.mountId();
        String rwLink = GoldenCopy.read(root.resolve("overlay2/" + mountId + "/link"));
        rmTree(root.resolve("overlay2/" + mountId));
        Report r = check(root);
        exactly(r,
                f(CONTAINER_LAYER_MISSING, g.ctr(), "overlay2/" + mountId, g.ctr()),
                f(OVERLAY_SYMLINK_DANGLING, path("overlay2/l/" + rwLink), "overlay2/l/" + rwLink));
    }

    @Test
    void missingWorkDirOfTheRwLayer() throws Exception {
        // observed: docker start fails with "error creating overlay mount to .../merged: no such file
        // or directory" when the RW dir has no work/ (a mkdir never synced)
        String work = "overlay2/" + g.mountId() + "/work";
        rmTree(root.resolve(work));
        Report r = check(root);
        exactly(r, f(CONTAINER_LAYER_MISSING, g.ctr(), work, g.ctr()));
    }

    @Test
    void missingWorkDirOfAnImageLayerIsHarmless() throws Exception {
        // image layers are only ever lowerdirs: their work/ is never used
        rmTree(g.overlayDir(APP).resolve("work"));
        exactly(check(root));
    }

    @Test
    void emptyLinksOfTheContainersDirsAreOnlyWarnings() throws Exception {
        // observed: the container starts, twice, and is removed; dockerd only refuses to remove the
        // two l/ entries ("refusing to remove empty link")
        String rw = "overlay2/" + g.mountId();
        truncate(root.resolve(rw + "/link"));
        truncate(root.resolve(rw + "-init/link"));
        Report r = check(root);
        exactly(r,
                f(OVERLAY_LINK_INVALID, Severity.WARNING, g.ctr(), rw + "/link"),
                f(OVERLAY_LINK_INVALID, Severity.WARNING, g.ctr(), rw + "-init/link"));
        assertFalse(r.isDamaged(g.ctr()));
        summary(r, c(3, 3, 0), c(6, 6, 0), c(1, 1, 0), 0, 2, 0);
    }

    @Test
    void missingMountIdKeepsTheContainersRwDirOutOfTheLeftovers() throws Exception {
        Files.delete(root.resolve(g.mountsRel() + "/mount-id"));
        Report r = check(root);
        // the RW dir holds the container's own files: never offered up as a leftover
        exactly(r, f(CONTAINER_LAYER_MISSING, g.ctr(), g.mountsRel() + "/mount-id", g.ctr()));
        assertEquals(0, r.summary().bytesReclaimable());
    }

    @Test
    void missingInitIdIsNoDamage() throws Exception {
        // dockerd reads a missing init-id as "no init layer": observed, the container starts ("hi")
        Files.delete(root.resolve(g.mountsRel() + "/init-id"));
        Report r = check(root);
        exactly(r);
        assertFalse(r.isDamaged(g.ctr()));
    }

    @Test
    void missingInitIdStillChecksTheInitDir() throws Exception {
        Files.delete(root.resolve(g.mountsRel() + "/init-id"));
        String init = "overlay2/" + g.mountId() + "-init";
        truncate(root.resolve(init + "/lower"));
        Report r = check(root);
        exactly(r, f(OVERLAY_LOWER_INVALID, g.ctr(), init + "/lower", g.ctr()));
    }

    @Test
    void emptyInitIdLosesTheContainer() throws Exception {
        // observed: "failed to load container mount ... mount does not exist", gone from docker ps -a
        truncate(root.resolve(g.mountsRel() + "/init-id"));
        Report r = check(root);
        exactly(r, f(CONTAINER_LAYER_MISSING, g.ctr(), g.mountsRel() + "/init-id", g.ctr()));
        assertEquals("empty", one(r, CONTAINER_LAYER_MISSING).evidence().get("defect"));
    }

    @Test
    void missingMountRecordKeepsTheContainersDirsOutOfTheLeftovers() throws Exception {
        rmTree(root.resolve(g.mountsRel()));
        Report r = check(root);
        exactly(r, f(CONTAINER_LAYER_MISSING, g.ctr(), g.mountsRel(), g.ctr()));
        assertEquals(0, r.summary().bytesReclaimable());
    }

    @Test
    void containerRemovalInterruptedAfterItsDirWasRemoved() throws Exception {
        long bytes = GoldenCopy.du(root.resolve(g.mountsRel()));
        rmTree(root.resolve("containers/" + g.cid));
        Report r = check(root);
        exactly(r, f(INTERRUPTED_REMOVAL, path(g.mountsRel()), g.mountsRel()));
        assertEquals(bytes, one(r, INTERRUPTED_REMOVAL).evidence().get("bytes"));
        assertTrue(bytes > 0);
    }

    // ------------------------------------------------------------------ leftovers

    @Test
    void rmiInterruptedAfterTheLayerDirWasRenamed() throws Exception {
        // docker rmi B: tag and config gone, top layer renamed to -removing, power cut
        Files.delete(g.imageConfig(IMG_B));
        Files.writeString(g.repositories(), GoldenCopy.read(g.repositories())
                .replace(",\"dockfsck/sample-b\":{\"dockfsck/sample-b:1\":\"" + IMG_B + "\"}", ""));
        String cache = g.overlayRel(SMALL);
        long cacheBytes = GoldenCopy.du(g.overlayDir(SMALL));
        String removing = layerRel(SMALL) + "-1234567890-removing";
        Files.move(g.layerDir(SMALL), root.resolve(removing));
        long removingBytes = GoldenCopy.du(root.resolve(removing));
        Report r = check(root);
        exactly(r,
                f(LAYER_UNREFERENCED, layer(EMPTY), layerRel(EMPTY)),
                f(INTERRUPTED_REMOVAL, path(removing), removing),
                f(ORPHAN_CACHE_DIR, path(cache), cache));
        assertEquals(removingBytes, one(r, INTERRUPTED_REMOVAL).evidence().get("bytes"));
        assertEquals(cacheBytes, one(r, ORPHAN_CACHE_DIR).evidence().get("bytes"));
        assertEquals(removingBytes + cacheBytes, r.summary().bytesReclaimable());
        summary(r, c(2, 2, 0), c(5, 5, 0), c(1, 1, 0), 0, 2, 1);
    }

    @Test
    void staleWriteSet() throws Exception {
        Path ws = root.resolve("image/overlay2/layerdb/tmp/write-set-123456789");
        Files.createDirectories(ws);
        Files.writeString(ws.resolve("diff"), "sha256:" + "cd".repeat(32));
        Files.writeString(ws.resolve("size"), "12345");
        Report r = check(root);
        String rel = "image/overlay2/layerdb/tmp/write-set-123456789";
        exactly(r, f(STALE_WRITE_SET, path(rel), rel));
        assertEquals(71L + 5L, one(r, STALE_WRITE_SET).evidence().get("bytes"));
    }

    @Test
    void staleImportTmp() throws Exception {
        Path t = root.resolve("tmp/docker-import-987654321");
        Files.createDirectories(t);
        Files.write(t.resolve("archive.tar"), new byte[10_000]);
        Report r = check(root);
        exactly(r, f(STALE_IMPORT_TMP, path("tmp/docker-import-987654321"), "tmp/docker-import-987654321"));
        assertEquals(10_000L, one(r, STALE_IMPORT_TMP).evidence().get("bytes"));
        assertEquals(10_000L, r.summary().bytesReclaimable());
    }

    @Test
    void strayFileAmongLayers() throws Exception {
        Files.writeString(root.resolve("image/overlay2/layerdb/sha256/notes.txt"), "x", StandardCharsets.UTF_8);
        Report r = check(root);
        exactly(r, f(UNEXPECTED_ENTRY, path("image/overlay2/layerdb/sha256/notes.txt"),
                "image/overlay2/layerdb/sha256/notes.txt"));
    }
}
