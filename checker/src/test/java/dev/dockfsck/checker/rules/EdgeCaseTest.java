package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.Expect.c;
import static dev.dockfsck.checker.Expect.check;
import static dev.dockfsck.checker.Expect.exactly;
import static dev.dockfsck.checker.Expect.f;
import static dev.dockfsck.checker.Expect.image;
import static dev.dockfsck.checker.Expect.layer;
import static dev.dockfsck.checker.Expect.one;
import static dev.dockfsck.checker.Expect.path;
import static dev.dockfsck.checker.Expect.summary;
import static dev.dockfsck.checker.FindingCode.CONTAINER_IMAGE_DAMAGED;
import static dev.dockfsck.checker.FindingCode.IMAGE_LAYER_MISSING;
import static dev.dockfsck.checker.FindingCode.INTERRUPTED_REMOVAL;
import static dev.dockfsck.checker.FindingCode.LAYER_CHAINID_MISMATCH;
import static dev.dockfsck.checker.FindingCode.LAYER_PARENT_DAMAGED;
import static dev.dockfsck.checker.FindingCode.LAYER_UNREFERENCED;
import static dev.dockfsck.checker.FindingCode.REFERENCE_TARGET_MISSING;
import static dev.dockfsck.checker.FindingCode.REPOSITORIES_INVALID;
import static dev.dockfsck.checker.FindingCode.UNEXPECTED_ENTRY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.fixtures.image.BuiltImage;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.fixtures.store.StoreIds;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Odd but possible states of a store, on a builder store (jimfs) of one three-layer image
 * {@code t:1} (L0 base, L1, L2 top) with container {@code c} on it: each test asserts the whole report.
 */
class EdgeCaseTest {
    FileSystem fs;
    Path root;
    StoreIds ids;
    BuiltImage img;
    Digest l0;
    Digest l1;
    Digest l2;
    Digest imageId;
    StoreIds.ContainerIds ctr;

    @BeforeEach
    void build() throws Exception {
        fs = Stores.jimfs();
        StoreBuilder b = StoreBuilder.create(fs.getPath("/var/lib/docker"), 5);
        img = Stores.tiny("t:1");
        b.load(img);
        ctr = b.createContainer("t:1", "c");
        ids = b.ids();
        root = ids.root();
        l0 = img.chainIds().get(0);
        l1 = img.chainIds().get(1);
        l2 = img.chainIds().get(2);
        imageId = img.imageId();
    }

    @AfterEach
    void close() throws Exception {
        fs.close();
    }

    static String layerRel(Digest d) {
        return "image/overlay2/layerdb/sha256/" + d.hex();
    }

    String imageRel() {
        return "image/overlay2/imagedb/content/sha256/" + imageId.hex();
    }

    Subject ctr() {
        return Subject.container(ctr.id());
    }

    String ctrConfig() {
        return "containers/" + ctr.id() + "/config.v2.json";
    }

    static Report checkQuickly(Path root) {
        return assertTimeoutPreemptively(Duration.ofSeconds(10), () -> check(root));
    }

    // ------------------------------------------------------------------ layerdb entries

    @Test
    void aLayerDbEntryThatIsAFile() throws Exception {
        String rel = layerRel(Digest.sha256Of("x".getBytes(StandardCharsets.UTF_8)));
        Files.writeString(root.resolve(rel), "not a dir");
        Report r = check(root);
        exactly(r, f(UNEXPECTED_ENTRY, path(rel), rel));
        assertEquals("wrong_type", one(r, UNEXPECTED_ENTRY).evidence().get("defect"));
        summary(r, c(1, 1, 0), c(3, 3, 0), c(1, 1, 0), 0, 1, 0);
    }

    @Test
    void aLayerDbDirWhoseNameIsNotAChainId() throws Exception {
        for (String name : List.of("XYZ", "ABCDEF" + "0".repeat(58), "0".repeat(63), "sha256:" + "0".repeat(64))) {
            Files.createDirectories(root.resolve("image/overlay2/layerdb/sha256/" + name.replace(':', '_')));
        }
        Report r = check(root);
        exactly(r,
                f(UNEXPECTED_ENTRY, path("image/overlay2/layerdb/sha256/XYZ"), "image/overlay2/layerdb/sha256/XYZ"),
                f(UNEXPECTED_ENTRY, path("image/overlay2/layerdb/sha256/ABCDEF" + "0".repeat(58)),
                        "image/overlay2/layerdb/sha256/ABCDEF" + "0".repeat(58)),
                f(UNEXPECTED_ENTRY, path("image/overlay2/layerdb/sha256/" + "0".repeat(63)),
                        "image/overlay2/layerdb/sha256/" + "0".repeat(63)),
                f(UNEXPECTED_ENTRY, path("image/overlay2/layerdb/sha256/sha256_" + "0".repeat(64)),
                        "image/overlay2/layerdb/sha256/sha256_" + "0".repeat(64)));
        assertEquals(3, r.summary().layers().checked());
    }

    @Test
    void aLayerStoredUnderTheWrongChainId() throws Exception {
        // the middle layer's diff names another layer's content: its chainID cannot be this one
        Files.writeString(root.resolve(layerRel(l1) + "/diff"), img.diffIds().get(2).toString());
        Report r = check(root);
        exactly(r,
                f(LAYER_CHAINID_MISMATCH, layer(l1), layerRel(l1), image(imageId), ctr()),
                f(LAYER_PARENT_DAMAGED, layer(l2), layerRel(l2) + "/parent", image(imageId), ctr()),
                f(IMAGE_LAYER_MISSING, image(imageId), imageRel(), image(imageId), ctr()),
                f(CONTAINER_IMAGE_DAMAGED, ctr(), ctrConfig(), ctr()));
        assertEquals(Digest.chainId(l0, img.diffIds().get(2)).toString(),
                one(r, LAYER_CHAINID_MISMATCH).evidence().get("expected_chain_id"));
    }

    @Test
    void aTopLayerDirRenamed() throws Exception {
        Digest other = Digest.sha256Of("elsewhere".getBytes(StandardCharsets.UTF_8));
        Files.move(root.resolve(layerRel(l2)), root.resolve(layerRel(other)));
        Report r = check(root);
        exactly(r,
                f(LAYER_CHAINID_MISMATCH, layer(other), layerRel(other)),
                f(LAYER_UNREFERENCED, layer(other), layerRel(other)),
                f(IMAGE_LAYER_MISSING, image(imageId), imageRel(), image(imageId), ctr()),
                f(CONTAINER_IMAGE_DAMAGED, ctr(), ctrConfig(), ctr()));
        assertEquals(l2.toString(), one(r, LAYER_CHAINID_MISMATCH).evidence().get("expected_chain_id"));
    }

    @Test
    void aLayerThatIsItsOwnParent() throws Exception {
        Files.writeString(root.resolve(layerRel(l1) + "/parent"), l1.toString());
        Report r = checkQuickly(root);
        exactly(r,
                f(LAYER_CHAINID_MISMATCH, layer(l1), layerRel(l1), image(imageId), ctr()),
                f(LAYER_PARENT_DAMAGED, layer(l2), layerRel(l2) + "/parent", image(imageId), ctr()),
                f(IMAGE_LAYER_MISSING, image(imageId), imageRel(), image(imageId), ctr()),
                f(CONTAINER_IMAGE_DAMAGED, ctr(), ctrConfig(), ctr()));
    }

    @Test
    void twoLayersThatAreEachOthersParent() throws Exception {
        Files.writeString(root.resolve(layerRel(l1) + "/parent"), l2.toString());
        Report r = checkQuickly(root);
        // each stands on the other, and each other is damaged: both are reported as such
        exactly(r,
                f(LAYER_CHAINID_MISMATCH, layer(l1), layerRel(l1), image(imageId), ctr()),
                f(LAYER_PARENT_DAMAGED, layer(l1), layerRel(l1) + "/parent", image(imageId), ctr()),
                f(LAYER_PARENT_DAMAGED, layer(l2), layerRel(l2) + "/parent", image(imageId), ctr()),
                f(IMAGE_LAYER_MISSING, image(imageId), imageRel(), image(imageId), ctr()),
                f(CONTAINER_IMAGE_DAMAGED, ctr(), ctrConfig(), ctr()));
    }

    @Test
    void interruptedRemovalOfALayerAndOfAContainersRwLayerRecord() throws Exception {
        String layerRemoving = "image/overlay2/layerdb/sha256/" + "ab".repeat(32) + "-123-removing";
        String mountRemoving = "image/overlay2/layerdb/mounts/" + "cd".repeat(32) + "-removing";
        Files.createDirectories(root.resolve(layerRemoving));
        Files.writeString(root.resolve(layerRemoving + "/cache-id"), "ef".repeat(32));
        Files.createDirectories(root.resolve(mountRemoving));
        Report r = check(root);
        exactly(r,
                f(INTERRUPTED_REMOVAL, path(layerRemoving), layerRemoving),
                f(INTERRUPTED_REMOVAL, path(mountRemoving), mountRemoving));
        assertEquals(64L, r.summary().bytesReclaimable());
    }

    // ------------------------------------------------------------------ images and references

    @Test
    void anImageWithNoLayersIsSound() throws Exception {
        byte[] cfg = ("{\"architecture\":\"amd64\",\"config\":{},\"os\":\"linux\","
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}").getBytes(StandardCharsets.UTF_8);
        Digest id = Digest.sha256Of(cfg);
        Files.write(root.resolve("image/overlay2/imagedb/content/sha256/" + id.hex()), cfg);
        Report r = check(root);
        exactly(r);
        summary(r, c(2, 2, 0), c(3, 3, 0), c(1, 1, 0), 0, 0, 0);
    }

    @Test
    void repositoriesJsonShapes() throws Exception {
        Path repos = ids.repositoriesJson();
        String rel = "image/overlay2/repositories.json";
        for (String bad : List.of("", "[]", "null", "{\"Repositories\":[]}", "{\"Repositories\":{\"t\":\"x\"}}",
                "{\"Repositories\":{\"t\":{\"t:1\":1}}}", "{\"Repositories\":{\"t\":{\"t:1\":")) {
            Files.writeString(repos, bad);
            Report r = check(root);
            exactly(r, f(REPOSITORIES_INVALID, path(rel), rel, image(imageId), ctr()));
            summary(r, c(1, 0, 1), c(3, 3, 0), c(1, 0, 1), 1, 0, 0);
        }
        for (String fine : List.of("{}", "{\"Repositories\":{}}", "{\"Repositories\":null}")) {
            Files.writeString(repos, fine);
            exactly(check(root));
        }
        Files.delete(repos);
        exactly(check(root));
    }

    @Test
    void aReferenceToAnInvalidImageId() throws Exception {
        Files.writeString(ids.repositoriesJson(), "{\"Repositories\":{\"t\":{\"t:1\":\"" + imageId
                + "\",\"t:2\":\"sha256:nothex\"}}}");
        Report r = check(root);
        exactly(r, f(REFERENCE_TARGET_MISSING, Subject.reference("t:2"), "image/overlay2/repositories.json"));
        assertEquals("sha256:nothex", one(r, REFERENCE_TARGET_MISSING).evidence().get("target"));
    }

    // ------------------------------------------------------------------ roots dockfsck cannot check

    @Test
    void anotherGraphDriverIsAnOperationalError() throws Exception {
        Path aufs = fs.getPath("/old");
        Files.createDirectories(aufs.resolve("image/aufs/layerdb/sha256"));
        Files.createDirectories(aufs.resolve("aufs/diff"));
        StoreException e = assertThrows(StoreException.class, () -> check(aufs));
        assertTrue(e.getMessage().contains("aufs") && e.getMessage().contains("not supported"), e.getMessage());
    }

    @Test
    void unreadableDirectoryIsAnUnexpectedEntry(@TempDir Path tmp) throws Exception {
        // root reads any directory whatever its mode: the test means something only for other users
        assumeFalse("root".equals(System.getProperty("user.name")),
                "running as root: chmod 000 does not keep root out, so an unreadable dir cannot be made");
        StoreBuilder b = StoreBuilder.create(tmp.resolve("root"), 6);
        b.load(Stores.tiny("t:1"));
        Path sha = b.root().resolve("image/overlay2/layerdb/sha256");
        Files.setPosixFilePermissions(sha, PosixFilePermissions.fromString("---------"));
        try {
            Report r = check(b.root());
            exactly(r, f(UNEXPECTED_ENTRY, path("image/overlay2/layerdb/sha256"), "image/overlay2/layerdb/sha256"),
                    f(IMAGE_LAYER_MISSING, image(imageId), imageRel(), image(imageId)));
            assertEquals("unreadable", one(r, UNEXPECTED_ENTRY).evidence().get("defect"));
        } finally {
            Files.setPosixFilePermissions(sha, PosixFilePermissions.fromString("rwx------"));
        }
    }
}
