package dev.dockfsck.cli;

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
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dockfsck inventory}: what the store holds, from its own files, read only. */
class InventoryTest {
    @TempDir
    Path tmp;
    Path root;
    StoreIds ids;
    StoreIds.ContainerIds ctr;

    @BeforeEach
    void store() throws Exception {
        root = tmp.resolve("root");
        StoreBuilder b = StoreBuilder.create(root, 11);
        b.load(SampleSet.images());
        ctr = b.createContainer(SampleSet.A, "app", "sh");
        ids = b.ids();
    }

    private long sizeFile(StoreIds.LayerIds l) throws Exception {
        return Long.parseLong(Files.readString(ids.layerDbDir(l.chainId()).resolve("size"), StandardCharsets.US_ASCII).strip());
    }

    @Test
    void jsonListsImagesTagsLayersSizesAndContainers() throws Exception {
        TreeSnapshot before = TreeSnapshot.of(root, true);
        CheckCommandTest.Run r = CheckCommandTest.run("inventory", "--root", root.toString(), "--format", "json");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of(), before.diff(TreeSnapshot.of(root, true)), "inventory writes nothing");
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals("dockfsck.inventory/v1", doc.get("schema").asText());
        assertEquals(ids.images().size(), doc.get("images").size());
        assertEquals(ids.layers().size(), doc.get("layers").size());
        assertEquals(1, doc.get("containers").size());
        assertEquals(ctr.id(), doc.get("containers").get(0).get("id").asText());
        long total = 0;
        for (StoreIds.LayerIds l : ids.layers().values()) {
            total += sizeFile(l);
        }
        assertEquals(total, doc.get("totals").get("layer_bytes").asLong());
        assertEquals(0, doc.get("totals").get("reclaimable_bytes").asLong());
        for (JsonNode img : doc.get("images")) {
            StoreIds.ImageIds want = ids.images().get(dev.dockfsck.model.Digest.parse(img.get("id").asText()));
            assertEquals(want.repoTags(), new ObjectMapper().convertValue(img.get("tags"), List.class));
            assertEquals(want.chainIds().size(), img.get("layers").size());
            long size = 0;
            for (dev.dockfsck.model.Digest c : new java.util.LinkedHashSet<>(want.chainIds())) {
                size += sizeFile(ids.layer(c));
            }
            assertEquals(size, img.get("size").asLong(), want.repoTags().toString());
            assertTrue(img.get("unique_size").asLong() <= size);
            assertFalse(img.get("damaged").asBoolean());
            assertEquals(want.repoTags().contains(SampleSet.A) ? 1 : 0, img.has("containers") ? img.get("containers").size() : 0);
        }
    }

    @Test
    void sharedLayersAreNotAnImagesOwnAndDamageAndReclaimableBytesShow() throws Exception {
        // the sample images share their base layer: no image owns it
        Set<dev.dockfsck.model.Digest> bases = new HashSet<>();
        ids.images().values().forEach(i -> bases.add(i.chainIds().get(0)));
        Files.createDirectories(root.resolve("overlay2/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/diff"));
        Files.write(root.resolve("overlay2/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/diff/junk"),
                new byte[4096]);
        Files.write(ids.layerDbDir(ids.imageByTag(SampleSet.B).topChainId()).resolve("cache-id"), new byte[0]);
        CheckCommandTest.Run r = CheckCommandTest.run("inventory", "--root", root.toString(), "--format", "json");
        assertEquals(0, r.code(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertTrue(doc.get("totals").get("reclaimable_bytes").asLong() >= 4096, doc.get("totals").toString());
        for (JsonNode img : doc.get("images")) {
            boolean isB = img.get("id").asText().equals(ids.imageByTag(SampleSet.B).imageId().toString());
            assertEquals(isB, img.get("damaged").asBoolean(), img.toString());
        }
        if (bases.size() == 1) {
            for (JsonNode img : doc.get("images")) {
                long baseSize = sizeFile(ids.layer(bases.iterator().next()));
                assertTrue(img.get("unique_size").asLong() <= img.get("size").asLong() - baseSize, img.toString());
            }
        }
        CheckCommandTest.Run text = CheckCommandTest.run("inventory", "--root", root.toString());
        assertEquals(0, text.code());
        assertTrue(text.out().contains(SampleSet.A), text.out());
        assertTrue(text.out().contains("DAMAGED"), text.out());
        assertTrue(text.out().contains("containers: 1"), text.out());
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("reclaimable: ") && !l.equals("reclaimable: 0 B")), text.out());
    }

    @Test
    void aRootThatIsNotDockersIsAnOperationalError() {
        CheckCommandTest.Run r = CheckCommandTest.run("inventory", "--root", tmp.resolve("none").toString());
        assertEquals(8, r.code());
    }
}
