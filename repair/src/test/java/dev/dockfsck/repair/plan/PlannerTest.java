package dev.dockfsck.repair.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.dockfsck.checker.Checker;
import dev.dockfsck.checker.Report;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.fixtures.store.StoreIds;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.store.DataRootReader;
import dev.dockfsck.repair.apply.ApplyContext;
import dev.dockfsck.repair.apply.RootedFs;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Planner decisions on stores written as dockerd writes them (builder, jimfs). */
class PlannerTest {
    private FileSystem fs;
    private Path root;
    private StoreIds ids;

    @BeforeEach
    void setUp() throws Exception {
        fs = Jimfs.newFileSystem(Configuration.unix().toBuilder().setAttributeViews("basic", "posix", "unix", "user").build());
        root = fs.getPath("/docker");
        StoreBuilder b = StoreBuilder.create(root, new Random(7), StoreBuilder.Specials.STAND_IN);
        b.load(SampleSet.images());
        b.createContainer(SampleSet.A, "app", "sh");
        ids = b.ids();
    }

    @AfterEach
    void tearDown() throws Exception {
        fs.close();
    }

    private Report check() throws Exception {
        return new Checker(null).check(DataRootReader.read(root), Checker.Options.shallow());
    }

    private Plan plan(boolean force) throws Exception {
        return Planner.plan(check(), new Planner.Options(force, Map.of()));
    }

    private void apply(Plan p) throws Exception {
        ApplyContext ctx = new ApplyContext(new RootedFs(root), fs.getPath("/state"));
        for (Action a : p.actions()) {
            a.apply(ctx);
        }
    }

    private StoreIds.LayerIds layer(String tag, int i) {
        return ids.layer(ids.imageByTag(tag).chainIds().get(i));
    }

    @Test
    void aHealthyStoreNeedsNothing() throws Exception {
        Plan p = plan(false);
        assertTrue(p.isEmpty(), p.actions().toString());
        assertTrue(p.kept().isEmpty(), p.kept().toString());
    }

    @Test
    void anEmptyLinkReusesTheShortLinkStillPointingAtItsDir() throws Exception {
        StoreIds.LayerIds base = layer(SampleSet.A, 0);
        Files.write(root.resolve("overlay2").resolve(base.cacheId()).resolve("link"), new byte[0]);
        Plan p = plan(false);
        assertEquals(List.of(new WriteFile("overlay2/" + base.cacheId() + "/link", base.linkId(),
                p.actions().get(0).reasons())), p.actions(), "only the link file is rewritten");
        apply(p);
        assertTrue(check().clean());
    }

    @Test
    void aLostLinkGetsANewIdAndEveryLowerNamingItIsRewritten() throws Exception {
        StoreIds.LayerIds base = layer(SampleSet.A, 0);
        Files.write(root.resolve("overlay2").resolve(base.cacheId()).resolve("link"), new byte[0]);
        Files.delete(root.resolve("overlay2/l").resolve(base.linkId()));
        Plan p = plan(false);
        long lowers = p.actions().stream().filter(a -> a instanceof WriteFile w && w.path().endsWith("/lower")).count();
        // every layer above the base (4 distinct layers) and the container's init and RW dirs
        assertTrue(lowers >= 6, p.actions().toString());
        apply(p);
        assertTrue(check().clean(), check().findings().toString());
    }

    @Test
    void planningIsDeterministic() throws Exception {
        Files.write(root.resolve("overlay2").resolve(layer(SampleSet.A, 0).cacheId()).resolve("link"), new byte[0]);
        Files.delete(root.resolve("overlay2/l").resolve(layer(SampleSet.A, 0).linkId()));
        Files.write(ids.layerDbDir(layer(SampleSet.B, 2).chainId()).resolve("cache-id"), new byte[0]);
        assertEquals(plan(false), plan(false));
    }

    @Test
    void aBrokenBaseUnderAContainerIsKeptWithoutForceAndRemovedWithIt() throws Exception {
        Digest base = layer(SampleSet.A, 0).chainId();
        Files.write(ids.layerDbDir(base).resolve("diff"), new byte[0]);
        Plan keep = plan(false);
        Set<String> removedLayers = keep.actions().stream().filter(a -> a instanceof RemoveLayer)
                .map(a -> ((RemoveLayer) a).chainId()).collect(Collectors.toSet());
        for (Digest d : ids.imageByTag(SampleSet.A).chainIds()) {
            assertFalse(removedLayers.contains(d.toString()), "the container's chain is kept: " + d);
        }
        assertTrue(keep.kept().stream().anyMatch(k -> k.startsWith("container ")), keep.kept().toString());
        assertTrue(keep.actions().stream().noneMatch(a -> a instanceof RemoveContainer));
        // images B and C are unusable without the base and no container needs them: removed and recorded
        RecordPendingRestore rec = (RecordPendingRestore) keep.actions().get(0);
        assertEquals(Set.of(SampleSet.B, SampleSet.C), rec.images().stream().map(e -> e.name()).collect(Collectors.toSet()));

        Plan force = plan(true);
        assertTrue(force.actions().stream().anyMatch(a -> a instanceof RemoveContainer));
        apply(force);
        Report after = check();
        assertTrue(after.clean(), after.findings().toString());
        assertTrue(after.store().imageDb().images().isEmpty());
        assertTrue(after.store().layerDb().layers().isEmpty());
    }

    @Test
    void aRemovedLayerTakesEveryLayerAboveItAndOnlyThoseImages() throws Exception {
        StoreIds.LayerIds bTop = layer(SampleSet.B, 2);
        Files.write(ids.layerDbDir(bTop.chainId()).resolve("cache-id"), new byte[0]);
        apply(plan(false));
        Report after = check();
        assertTrue(after.clean(), after.findings().toString());
        assertFalse(after.store().imageDb().images().containsKey(ids.imageByTag(SampleSet.B).imageId()));
        assertTrue(after.store().imageDb().images().containsKey(ids.imageByTag(SampleSet.A).imageId()));
        assertTrue(after.store().imageDb().images().containsKey(ids.imageByTag(SampleSet.C).imageId()));
        assertFalse(Files.exists(root.resolve("overlay2").resolve(bTop.cacheId())),
                "the cache dir of a layer whose cache-id was lost is found and removed");
    }

    @Test
    void unreadableRepositoriesAreRebuiltFromContainerImageNames() throws Exception {
        Files.write(root.resolve("image/overlay2/repositories.json"), new byte[0]);
        apply(plan(false));
        Report after = check();
        assertTrue(after.clean(), after.findings().toString());
        assertTrue(after.store().repositories().references().optional().orElseThrow().stream()
                .anyMatch(r -> r.ref().equals(SampleSet.A)));
    }
}
