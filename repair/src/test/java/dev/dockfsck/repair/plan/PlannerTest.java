package dev.dockfsck.repair.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.dockfsck.checker.Checker;
import dev.dockfsck.checker.FindingCode;
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
    void withoutFindingsThePassesPlanNothingEitherSoSkippingThemLosesNothing() throws Exception {
        Report r = check();
        assertTrue(r.findings().isEmpty(), r.findings().toString());
        Map<Digest, List<String>> names = ids.images().values().stream()
                .collect(Collectors.toMap(StoreIds.ImageIds::imageId, i -> List.of("appstore/" + i.imageId().hex().substring(0, 8) + ":1")));
        for (Planner.Options o : List.of(new Planner.Options(false, Map.of()), new Planner.Options(true, names))) {
            Plan full = Planner.passes(r, o);
            assertTrue(full.isEmpty() && full.kept().isEmpty(), full.actions() + " " + full.kept());
            assertEquals(full, Planner.plan(r, o));
        }
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

    @Test
    void aCutRepositoriesJsonKeepsTheTagsItStillHoldsAndSaysWhichCouldNotBeRecovered() throws Exception {
        Path repos = ids.repositoriesJson();
        byte[] whole = Files.readAllBytes(repos);
        String text = new String(whole, java.nio.charset.StandardCharsets.UTF_8);
        String idB = ids.imageByTag(SampleSet.B).imageId().toString();
        String idC = ids.imageByTag(SampleSet.C).imageId().toString();
        // cut right after B's pair: C's tag (later in the file, or earlier) is lost only if it is after the cut
        int cut = text.indexOf(idB) + idB.length() + 1;
        Files.write(repos, java.util.Arrays.copyOf(whole, cut));
        boolean cLost = text.indexOf(idC) > cut;
        Plan p = plan(false);
        apply(p);
        Report after = check();
        assertTrue(after.clean(), after.findings().toString());
        var refs = after.store().repositories().references().optional().orElseThrow();
        assertTrue(refs.stream().anyMatch(r -> r.ref().equals(SampleSet.B) && r.target().equals(idB)),
                "a tag no container and no app store names, read back from the cut file: " + refs);
        assertTrue(refs.stream().anyMatch(r -> r.ref().equals(SampleSet.A)), "the container's image name");
        assertEquals(cLost, p.kept().stream().anyMatch(k -> k.contains(ids.imageByTag(SampleSet.C).imageId().shortHex())
                && k.contains("could not be recovered")), p.kept().toString());
    }

    /** Bytes of a file the test does not expect to be missing. */
    private String read(Path p) throws Exception {
        return Files.readString(p, java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Test
    void brokenMountFilesAreRewrittenFromDockerdsOwnNamingAndTheContainerStays() throws Exception {
        StoreIds.ContainerIds app = ids.containerByName("app");
        Path mount = ids.mountDir(app.id());
        String mountId = read(mount.resolve("mount-id"));
        String initId = read(mount.resolve("init-id"));
        String parent = read(mount.resolve("parent"));
        assertEquals(mountId + "-init", initId, "dockerd names the init layer after the RW layer");
        assertEquals(app.parentChainId().toString(), parent);
        // each file, then two at once: the third names the others
        List<List<String>> damages = List.of(List.of("init-id"), List.of("mount-id"), List.of("parent"),
                List.of("init-id", "parent"), List.of("mount-id", "parent"));
        for (List<String> files : damages) {
            for (String f : files) {
                Files.write(mount.resolve(f), "\u0000garbled".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            assertFalse(check().clean(), files + " damaged");
            Plan p = plan(false);
            assertTrue(p.actions().stream().allMatch(a -> a instanceof WriteFile),
                    files + ": only files are rewritten: " + p.actions());
            assertTrue(p.kept().isEmpty(), files + ": nothing is kept damaged: " + p.kept());
            apply(p);
            assertEquals(List.of(mountId, initId, parent), List.of(read(mount.resolve("mount-id")),
                    read(mount.resolve("init-id")), read(mount.resolve("parent"))), files.toString());
            Report after = check();
            assertTrue(after.clean(), files + ": " + after.findings());
        }
    }

    @Test
    void aLostMountParentIsNoDamageAndTheContainersLowersStay() throws Exception {
        // dockerd reads a missing parent as "no parent" and the container starts on its lower files;
        // taking the init dir for a base layer would remove its lower and start it without its image
        Files.delete(ids.mountDir(ids.containerByName("app").id()).resolve("parent"));
        Report r = check();
        assertTrue(r.clean(), r.findings().toString());
        assertTrue(plan(false).isEmpty(), plan(false).actions().toString());
    }

    @Test
    void aContainerWhoseRwDiffIsGoneIsKeptWithoutForceAndRemovedWithIt() throws Exception {
        StoreIds.ContainerIds app = ids.containerByName("app");
        Path diff = ids.rwLayerDir(app.id()).resolve("diff");
        try (var s = Files.walk(diff)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
        Plan keep = plan(false);
        assertTrue(keep.actions().stream().noneMatch(a -> a instanceof RemoveContainer), keep.actions().toString());
        assertTrue(keep.kept().stream().anyMatch(k -> k.startsWith("container " + app.id().substring(0, 12))),
                keep.kept().toString());
        Plan force = plan(true);
        assertTrue(force.actions().stream().anyMatch(a -> a instanceof RemoveContainer rc && rc.id().equals(app.id())),
                force.actions().toString());
        apply(force);
        Report after = check();
        assertTrue(after.clean(), after.findings().toString());
        assertTrue(after.store().containers().isEmpty());
        assertEquals(3, after.store().imageDb().images().size(), "the images stay");
    }

    /**
     * A power cut during {@code docker run}: dockerd writes {@code mount-id} and {@code init-id}
     * without a sync, so both can be empty (or the whole mount record missing) beside the
     * container's RW and init dirs. Without --force the container and its dirs stay; with it, one
     * repair removes the container and the dirs its record could no longer name (finding F1).
     */
    @Test
    void aContainerWhoseMountRecordNamesNoDirIsRemovedWithItsDirsInOneForcedRepair() throws Exception {
        for (boolean wholeRecord : List.of(false, true)) {
            StoreIds.ContainerIds kept = twoContainers();
            StoreIds.ContainerIds app = ids.containerByName("app");
            Path mount = ids.mountDir(app.id());
            if (wholeRecord) {
                deleteTree(mount);
            } else {
                Files.write(mount.resolve("mount-id"), new byte[0]);
                Files.write(mount.resolve("init-id"), new byte[0]);
            }
            Path rw = ids.rwLayerDir(app.id());
            Path init = ids.initLayerDir(app.id());
            Report before = check();
            assertTrue(before.findings().stream().noneMatch(f -> f.code() == FindingCode.ORPHAN_CACHE_DIR),
                    "while the container is there its dirs may be its: " + before.findings());
            apply(plan(false));
            assertTrue(Files.isDirectory(rw) && Files.isDirectory(init), "without --force the RW layer stays");
            assertTrue(Files.isDirectory(ids.containerDir(app.id())));

            Plan force = plan(true);
            assertTrue(force.actions().stream().anyMatch(x -> x instanceof RemoveContainer rc && rc.id().equals(app.id())),
                    force.actions().toString());
            List<RemovePath> dirs = force.actions().stream().filter(x -> x instanceof RemovePath rp
                    && (rp.path().equals(root.relativize(rw).toString()) || rp.path().equals(root.relativize(init).toString())))
                    .map(x -> (RemovePath) x).toList();
            assertEquals(2, dirs.size(), force.actions().toString());
            assertTrue(dirs.stream().noneMatch(dev.dockfsck.repair.preen.PreenPolicy::safe),
                    "what a forced removal orphans is no leftover to a resumed preen: " + dirs);
            apply(force);
            Report after = check();
            assertTrue(after.clean(), wholeRecord + ": " + after.findings());
            assertFalse(Files.exists(rw) || Files.exists(init), "the container's dirs went with it");
            assertFalse(Files.exists(ids.containerDir(app.id())));
            assertTrue(Files.isDirectory(ids.rwLayerDir(kept.id())) && Files.isDirectory(ids.initLayerDir(kept.id())),
                    "the other container's layers stay");
            assertEquals(Set.of(kept.id()), after.store().containers().keySet());
            assertEquals(3, after.store().imageDb().images().size(), "the images stay");
        }
    }

    @Test
    void twoContainersWithoutARecordKeepEveryContainerShapedDirUntilBothGo() throws Exception {
        StoreIds.ContainerIds other = twoContainers();
        StoreIds.ContainerIds app = ids.containerByName("app");
        deleteTree(ids.mountDir(app.id()));
        Files.write(ids.mountDir(other.id()).resolve("mount-id"), new byte[0]);
        Files.write(ids.mountDir(other.id()).resolve("init-id"), new byte[0]);
        Plan keep = plan(false);
        assertTrue(keep.actions().stream().noneMatch(x -> x instanceof RemovePath rp && rp.path().startsWith("overlay2/")),
                keep.actions().toString());
        apply(plan(true));
        Report after = check();
        assertTrue(after.clean(), after.findings().toString());
        assertTrue(after.store().containers().isEmpty());
        assertEquals(3, after.store().imageDb().images().size(), "the images stay");
    }

    /** A fresh store with container "app" (image A) and a second container on image B; returns the second. */
    private StoreIds.ContainerIds twoContainers() throws Exception {
        fs.close();
        fs = Jimfs.newFileSystem(Configuration.unix().toBuilder().setAttributeViews("basic", "posix", "unix", "user").build());
        root = fs.getPath("/docker");
        StoreBuilder b = StoreBuilder.create(root, new Random(7), StoreBuilder.Specials.STAND_IN);
        b.load(SampleSet.images());
        b.createContainer(SampleSet.A, "app", "sh");
        StoreIds.ContainerIds second = b.createContainer(SampleSet.B, "kept", "sh");
        ids = b.ids();
        return second;
    }

    private static void deleteTree(Path p) throws Exception {
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    @Test
    void anImageWhoseConfigIsGoneIsRecordedForRestoreUnderItsTag() throws Exception {
        StoreIds.ImageIds c = ids.imageByTag(SampleSet.C);
        Files.delete(ids.imageConfig(c.imageId()));
        Plan p = plan(false);
        RecordPendingRestore rec = (RecordPendingRestore) p.actions().get(0);
        assertEquals(List.of(SampleSet.C), rec.images().stream().map(e -> e.name()).toList());
        assertEquals(c.imageId().toString(), rec.images().get(0).imageId());
        apply(p);
        Report after = check();
        assertTrue(after.findings().stream().noneMatch(f -> f.code() == FindingCode.REFERENCE_TARGET_MISSING),
                after.findings().toString());
        assertTrue(after.store().repositories().references().optional().orElseThrow().stream()
                .noneMatch(r -> r.ref().equals(SampleSet.C)), "the dangling tag is dropped");
    }

    @Test
    void aTagTheAppStoreNamesAndTheEngineLostIsWrittenBack() throws Exception {
        Path repos = root.resolve("image/overlay2/repositories.json");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode doc = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(Files.readAllBytes(repos));
        doc.with("Repositories").fields().forEachRemaining(e -> ((com.fasterxml.jackson.databind.node.ObjectNode) e.getValue()).remove(SampleSet.B));
        Files.write(repos, json.writeValueAsBytes(doc));
        Path archive = java.nio.file.Files.createTempFile("apps", ".tar");
        try {
            dev.dockfsck.fixtures.image.DockerArchive.write(List.of(SampleSet.image(SampleSet.B)), archive);
            try (dev.dockfsck.model.appstore.AppStore apps = dev.dockfsck.model.appstore.AppStore.open(archive)) {
                Report r = new Checker(null).check(DataRootReader.read(root), new Checker.Options(false, java.util.Optional.empty(), 1,
                        dev.dockfsck.checker.ContentVerifier.Progress.NONE, java.util.Optional.of(apps)));
                assertTrue(r.findings().stream().anyMatch(f -> f.code() == FindingCode.REFERENCE_LOST), r.findings().toString());
                Plan p = Planner.plan(r, new Planner.Options(false, Map.of()));
                assertEquals(1, p.actions().size(), p.actions().toString());
                assertTrue(p.actions().get(0) instanceof WriteFile w && w.path().equals("image/overlay2/repositories.json"));
                apply(p);
            }
        } finally {
            Files.delete(archive);
        }
        Report after = check();
        assertTrue(after.clean(), after.findings().toString());
        assertTrue(after.store().repositories().references().optional().orElseThrow().stream()
                .anyMatch(r -> r.ref().equals(SampleSet.B) && r.target().equals(ids.imageByTag(SampleSet.B).imageId().toString())));
    }

    // ---- configs written back from the app store, interrupted loads (issue 12) ----

    /** Plans with the sample images in an app store (a docker-archive of {@code tags}) and applies the plan. */
    private Plan planWithAppStore(List<String> tags, boolean apply) throws Exception {
        Path archive = java.nio.file.Files.createTempFile("apps", ".tar");
        try {
            dev.dockfsck.fixtures.image.DockerArchive.write(tags.stream().map(SampleSet::image).toList(), archive);
            try (dev.dockfsck.model.appstore.AppStore apps = dev.dockfsck.model.appstore.AppStore.open(archive)) {
                Report r = new Checker(null).check(DataRootReader.read(root), new Checker.Options(false, java.util.Optional.empty(), 1,
                        dev.dockfsck.checker.ContentVerifier.Progress.NONE, java.util.Optional.of(apps)));
                var blobs = java.util.Optional.<dev.dockfsck.repair.apply.LayerBlobSource>of(new dev.dockfsck.repair.apply.AppStoreLayers(apps));
                Plan p = Planner.plan(r, new Planner.Options(false, Map.of(), blobs));
                if (apply) {
                    ApplyContext ctx = new ApplyContext(new RootedFs(root), fs.getPath("/state"), blobs);
                    for (Action a : p.actions()) {
                        a.apply(ctx);
                    }
                }
                return p;
            }
        } finally {
            Files.delete(archive);
        }
    }

    private void untag(String tag) throws Exception {
        Path repos = ids.repositoriesJson();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode doc = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(Files.readAllBytes(repos));
        doc.with("Repositories").fields().forEachRemaining(e -> ((com.fasterxml.jackson.databind.node.ObjectNode) e.getValue()).remove(tag));
        Files.write(repos, json.writeValueAsBytes(doc));
    }

    private static <T extends Action> List<T> actions(Plan p, Class<T> type) {
        return p.actions().stream().filter(type::isInstance).map(type::cast).toList();
    }

    private List<dev.dockfsck.repair.restore.PendingRestore.Entry> pending() throws Exception {
        return new dev.dockfsck.repair.restore.PendingRestore(fs.getPath("/state")).read();
    }

    @Test
    void anEmptiedOrCutConfigUnderAContainerIsWrittenBackFromTheAppStore() throws Exception {
        for (String how : List.of("emptied", "cut")) {
            StoreIds.ImageIds a = ids.imageByTag(SampleSet.A);
            Path config = ids.imageConfig(a.imageId());
            byte[] original = Files.readAllBytes(config);
            Files.write(config, how.equals("emptied") ? new byte[0] : java.util.Arrays.copyOf(original, original.length / 2));
            Plan p = planWithAppStore(List.of(SampleSet.A, SampleSet.B, SampleSet.C), true);
            List<WriteImageConfig> w = actions(p, WriteImageConfig.class);
            assertEquals(1, w.size(), how + ": " + p.actions());
            assertEquals(a.imageId().toString(), w.get(0).imageId());
            assertTrue(w.get(0).reasons().stream().anyMatch(x -> x.startsWith("IMAGE_CONFIG_INVALID")), w.get(0).reasons().toString());
            assertEquals(List.of(), actions(p, RemovePath.class), how + ": nothing removed");
            assertEquals(List.of(), actions(p, RecordPendingRestore.class), how + ": nothing to re-inject");
            assertArrayEquals(original, Files.readAllBytes(config), how);
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(config)));
            Report after = check();
            assertTrue(after.clean(), how + ": " + after.findings());
        }
    }

    @Test
    void aDeletedConfigThatATagNamesIsWrittenBackAndTheTagStays() throws Exception {
        StoreIds.ImageIds c = ids.imageByTag(SampleSet.C);
        byte[] original = Files.readAllBytes(ids.imageConfig(c.imageId()));
        Files.delete(ids.imageConfig(c.imageId()));
        Plan p = planWithAppStore(List.of(SampleSet.C), true);
        assertEquals(1, actions(p, WriteImageConfig.class).size(), p.actions().toString());
        assertEquals(List.of(), actions(p, WriteFile.class), "the tag stays as it is: " + p.actions());
        assertArrayEquals(original, Files.readAllBytes(ids.imageConfig(c.imageId())));
        Report after = check();
        assertTrue(after.clean(), after.findings().toString());
    }

    @Test
    void withoutTheImageInTheAppStoreALostConfigIsNotWrittenBack() throws Exception {
        StoreIds.ImageIds a = ids.imageByTag(SampleSet.A);
        Files.write(ids.imageConfig(a.imageId()), new byte[0]);
        Plan p = planWithAppStore(List.of(SampleSet.B), false);
        assertEquals(List.of(), actions(p, WriteImageConfig.class), p.actions().toString());
        Plan none = plan(false);
        assertEquals(List.of(), actions(none, WriteImageConfig.class), none.actions().toString());
    }

    @Test
    void aLoadCutOffBeforeTheConfigIsPendingAsAnInterruptedLoad() throws Exception {
        StoreIds.ImageIds c = ids.imageByTag(SampleSet.C);
        Files.delete(ids.imageConfig(c.imageId()));
        untag(SampleSet.C);
        Plan p = planWithAppStore(List.of(SampleSet.A, SampleSet.B, SampleSet.C), true);
        assertEquals(List.of(), actions(p, WriteImageConfig.class), "a load that never wrote its config is completed by restore");
        List<RecordPendingRestore> rec = actions(p, RecordPendingRestore.class);
        assertEquals(1, rec.size(), p.actions().toString());
        assertEquals(List.of(c.imageId().toString()), rec.get(0).images().stream().map(RecordPendingRestore.Image::imageId).toList());
        var entries = pending();
        assertEquals(1, entries.size());
        assertEquals("interrupted-load", entries.get(0).reason());
        assertEquals(SampleSet.C, entries.get(0).name(), "under the app store's name");
        assertEquals(List.of(), actions(p, RemoveLayer.class), "its healthy layers stay for the re-load to reuse");
    }

    @Test
    void anUncommittedWriteSetOrAnImportDirOfAnAppStoreImageMakesItPending() throws Exception {
        // a store where sample C was never loaded: only A and B, and the app store holds all three
        fs.close();
        fs = Jimfs.newFileSystem(Configuration.unix().toBuilder().setAttributeViews("basic", "posix", "unix", "user").build());
        root = fs.getPath("/docker");
        StoreBuilder b = StoreBuilder.create(root, new Random(7), StoreBuilder.Specials.STAND_IN);
        b.load(List.of(SampleSet.image(SampleSet.A), SampleSet.image(SampleSet.B)));
        ids = b.ids();
        b.close();
        List<String> all = List.of(SampleSet.A, SampleSet.B, SampleSet.C);
        assertTrue(planWithAppStore(all, false).isEmpty(), "an app-store image with no trace in the engine is not pending");

        var c = SampleSet.image(SampleSet.C);
        Path ws = root.resolve("image/overlay2/layerdb/tmp/write-set-123456");
        Files.createDirectories(ws);
        List<Digest> diffs = c.diffIds();
        Files.writeString(ws.resolve("diff"), diffs.get(diffs.size() - 1).toString());
        Plan p = planWithAppStore(all, false);
        assertEquals(List.of(c.imageId().toString()), actions(p, RecordPendingRestore.class).stream()
                .flatMap(r -> r.images().stream()).map(RecordPendingRestore.Image::imageId).toList(), p.actions().toString());
        assertEquals("interrupted-load", actions(p, RecordPendingRestore.class).get(0).images().get(0).reason());
        assertEquals(1, actions(p, RemovePath.class).size(), "the write-set itself is removed: " + p.actions());

        // a write-set whose parent is not of C's chain is no trace of C
        Files.writeString(ws.resolve("parent"), Digest.sha256Of(new byte[]{1}).toString());
        assertEquals(List.of(), actions(planWithAppStore(all, false), RecordPendingRestore.class));

        Files.walk(ws).sorted(java.util.Comparator.reverseOrder()).forEach(x -> {
            try {
                Files.delete(x);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Path imp = root.resolve("tmp/docker-import-4242");
        Files.createDirectories(imp);
        Files.write(imp.resolve(c.imageId().hex() + ".json"), new byte[]{'{'});
        Plan q = planWithAppStore(all, false);
        assertEquals(List.of(c.imageId().toString()), actions(q, RecordPendingRestore.class).stream()
                .flatMap(r -> r.images().stream()).map(RecordPendingRestore.Image::imageId).toList(), q.actions().toString());
    }
}
