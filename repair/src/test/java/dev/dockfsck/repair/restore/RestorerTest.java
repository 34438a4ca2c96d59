package dev.dockfsck.repair.restore;

import static dev.dockfsck.repair.restore.StoreBuilder.add;
import static dev.dockfsck.repair.restore.StoreBuilder.bigLayer;
import static dev.dockfsck.repair.restore.StoreBuilder.blobPath;
import static dev.dockfsck.repair.restore.StoreBuilder.image;
import static dev.dockfsck.repair.restore.StoreBuilder.layer;
import static dev.dockfsck.repair.restore.StoreBuilder.name;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.AppStoreFinding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestorerTest {
    @TempDir
    Path store;

    final StoreBuilder.Layer base = bigLayer("bin/base", 300_000, 1);
    final StoreBuilder.Image web = image(base, bigLayer("srv/web", 2_500_000, 2));
    final StoreBuilder.Image db = image(base, layer("srv/db", "db"));
    final StoreBuilder.Image cache = image(base, layer("srv/cache", "cache"), layer("srv/cache2", "cache 2"));
    final FakeEngine engine = new FakeEngine();

    @BeforeEach
    void build() throws IOException {
        add(store, "shop", "hub.example.com/acme/web", web);
        add(store, "shop", "hub.example.com/acme/db", db);
        add(store, "tools", "hub.example.com/acme/cache", cache);
    }

    private static RestoreResult byImage(List<RestoreResult> rs, String name) {
        return rs.stream().filter(r -> r.tags().contains(name)).findFirst().orElseThrow(() -> new AssertionError(name + " in " + rs));
    }

    @Test
    void restoresEveryImageWithItsTagsAndLayers() throws Exception {
        Map<String, List<long[]>> progress = new ConcurrentHashMap<>();
        RestoreOptions o = RestoreOptions.defaults().withProgress(
                (img, sent, total) -> progress.computeIfAbsent(img, k -> new ArrayList<>()).add(new long[] {sent, total}));
        List<RestoreResult> rs = new Restorer(engine, AppStore.open(store)).restoreAll(o);
        assertEquals(3, rs.size(), rs::toString);
        assertTrue(rs.stream().allMatch(r -> r.status() == RestoreResult.Status.RESTORED), rs::toString);
        for (StoreBuilder.Image i : List.of(web, db, cache)) {
            Engine.EngineImage e = engine.images.get(i.imageId().toString());
            assertEquals(i.diffIds(), e.layers());
        }
        String webName = name("hub.example.com/acme/web", web);
        assertEquals(web.imageId().toString(), engine.tags.get(webName));
        assertEquals(List.of("shop"), byImage(rs, webName).apps());
        assertEquals(web.imageId().toString(), byImage(rs, webName).imageId());
        // progress: monotonic, ends at the total, total = manifest.json + config + layer blobs
        List<long[]> p = progress.get(webName);
        long total = p.get(0)[1];
        assertTrue(total > web.layers().get(0).gzip().length + web.layers().get(1).gzip().length);
        for (int k = 1; k < p.size(); k++) {
            assertTrue(p.get(k)[0] >= p.get(k - 1)[0]);
        }
        assertEquals(total, p.get(p.size() - 1)[0]);
        assertTrue(p.size() > 4, "progress reported while streaming");
    }

    @Test
    void presentImagesAreSkippedUnlessForced() throws Exception {
        AppStore s = AppStore.open(store);
        new Restorer(engine, s).restoreAll(RestoreOptions.defaults());
        assertEquals(3, engine.loads);
        String created = engine.images.get(db.imageId().toString()).created();
        // a tag lost meanwhile is put back without a load
        String dbName = name("hub.example.com/acme/db", db);
        engine.tags.remove(dbName);
        engine.images.put(db.imageId().toString(), new Engine.EngineImage(db.imageId().toString(), db.diffIds(), List.of(), created));
        List<RestoreResult> again = new Restorer(engine, s).restoreAll(RestoreOptions.defaults());
        assertTrue(again.stream().allMatch(r -> r.status() == RestoreResult.Status.SKIPPED_PRESENT), again::toString);
        assertEquals(3, engine.loads, "no re-load");
        assertEquals(created, engine.images.get(db.imageId().toString()).created());
        assertTrue(byImage(again, dbName).reason().contains("tagged"), byImage(again, dbName).reason());
        assertEquals(db.imageId().toString(), engine.tags.get(dbName));

        List<RestoreResult> forced = new Restorer(engine, s).restoreImages(List.of(dbName), RestoreOptions.defaults().withForce(true));
        assertEquals(RestoreResult.Status.RESTORED, forced.get(0).status());
        assertEquals(4, engine.loads);
    }

    @Test
    void corruptLayerFailsThatImageOnlyAndRegistersNothingOfIt() throws Exception {
        // flip one byte in the middle of web's big private layer: same size, so only the stream sees it
        StoreBuilder.Layer victim = web.layers().get(1);
        Path p = blobPath(store, victim.blobDigest());
        byte[] b = Files.readAllBytes(p);
        b[b.length / 2] ^= 0x01;
        Files.write(p, b);
        AppStore s = AppStore.open(store);
        List<RestoreResult> rs = new Restorer(engine, s).restoreAll(RestoreOptions.defaults());
        RestoreResult w = byImage(rs, name("hub.example.com/acme/web", web));
        assertEquals(RestoreResult.Status.FAILED, w.status());
        assertTrue(w.reason().contains("blobs/sha256/" + victim.blobDigest().hex()), w.reason());
        assertTrue(w.reason().contains("dockerd registered nothing"), w.reason());
        assertFalse(engine.images.containsKey(web.imageId().toString()));
        assertFalse(engine.layers.contains(victim.diffId().toString()), "no half-registered layer");
        assertEquals(1, engine.loadErrors.size(), "the engine saw the upload fail");
        assertEquals(2, rs.stream().filter(r -> r.status() == RestoreResult.Status.RESTORED).count(), rs::toString);
        // the store now knows the blob is bad
        assertTrue(s.findings().stream().anyMatch(f -> f.code() == AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT
                && f.blob().equals(victim.blobDigest().toString())));
    }

    @Test
    void corruptSharedBaseFailsEveryImageUsingItWithoutReadingItAgain() throws Exception {
        Path p = blobPath(store, base.blobDigest());
        byte[] b = Files.readAllBytes(p);
        b[100] ^= 0x01;
        Files.write(p, b);
        List<RestoreResult> rs = new Restorer(engine, AppStore.open(store)).restoreAll(RestoreOptions.defaults());
        assertTrue(rs.stream().allMatch(r -> r.status() == RestoreResult.Status.FAILED), rs::toString);
        assertEquals(1, engine.loads, "once the blob failed, the other images are refused before any upload");
        assertTrue(engine.images.isEmpty());
        assertTrue(rs.stream().allMatch(r -> r.reason().contains(base.blobDigest().hex())), rs::toString);
    }

    @Test
    void missingBlobFailsBeforeUploading() throws Exception {
        Files.delete(blobPath(store, cache.layers().get(2).blobDigest()));
        List<RestoreResult> rs = new Restorer(engine, AppStore.open(store)).restoreApps(List.of("tools"), RestoreOptions.defaults());
        assertEquals(1, rs.size());
        assertEquals(RestoreResult.Status.FAILED, rs.get(0).status());
        assertTrue(rs.get(0).reason().contains("missing"), rs.get(0).reason());
        assertEquals(0, engine.loads);
    }

    @Test
    void engineRefusalIsReportedWithItsMessage() throws Exception {
        engine.refuseWith = "failed to register layer: rename /var/lib/docker/image/overlay2/layerdb/tmp/write-set-1 x: file exists";
        List<RestoreResult> rs = new Restorer(engine, AppStore.open(store)).restoreApps(List.of("shop"), RestoreOptions.defaults());
        assertEquals(2, rs.size());
        assertTrue(rs.stream().allMatch(r -> r.status() == RestoreResult.Status.FAILED
                && r.reason().contains("refused the load: failed to register layer")), rs::toString);
    }

    @Test
    void selectionByNameAppAndUnknowns() throws Exception {
        Restorer r = new Restorer(engine, AppStore.open(store));
        List<RestoreResult> rs = r.restoreImages(List.of(name("hub.example.com/acme/db", db), "nope:1"), RestoreOptions.defaults());
        assertEquals(2, rs.size());
        assertEquals(RestoreResult.Status.RESTORED, rs.get(0).status());
        assertEquals(RestoreResult.Status.FAILED, rs.get(1).status());
        assertTrue(rs.get(1).reason().contains("no image nope:1"));
        assertEquals(1, engine.images.size());
        List<RestoreResult> apps = r.restoreApps(List.of("tools", "ghost"), RestoreOptions.defaults());
        assertEquals(RestoreResult.Status.RESTORED, apps.get(0).status());
        assertEquals(RestoreResult.Status.FAILED, apps.get(1).status());
        assertTrue(apps.get(1).reason().contains("no app ghost"));
    }

    @Test
    void sameImageInTwoAppsIsLoadedOnceUnderAllItsNames() throws Exception {
        add(store, "other", "hub.example.com/acme/db", db);
        List<RestoreResult> rs = new Restorer(engine, AppStore.open(store)).restoreAll(RestoreOptions.defaults());
        assertEquals(3, rs.size(), rs::toString);
        RestoreResult d = byImage(rs, name("hub.example.com/acme/db", db));
        assertEquals(java.util.Set.of("shop", "other"), java.util.Set.copyOf(d.apps()));
        assertEquals(3, engine.loads);
    }

    @Test
    void clearErrorsForUnreachableEngineAndMissingStore(@TempDir Path tmp) {
        engine.reachable = false;
        RestoreException e = assertThrows(RestoreException.class,
                () -> new Restorer(engine, AppStore.open(store)).restoreAll(RestoreOptions.defaults()));
        assertEquals("cannot restore: the Docker engine at fake://engine is not reachable: connection refused", e.getMessage());
        engine.reachable = true;
        RestoreException m = assertThrows(RestoreException.class,
                () -> new Restorer(engine, AppStore.open(tmp.resolve("none"))).restoreAll(RestoreOptions.defaults()));
        assertTrue(m.getMessage().contains("there is no app store at " + tmp.resolve("none")), m.getMessage());
    }

    @Test
    void realEngineClientReportsAnUnreachableSocketClearly(@TempDir Path tmp) throws Exception {
        try (DockerEngine d = DockerEngine.connect("unix://" + tmp.resolve("no.sock"))) {
            RestoreException e = assertThrows(RestoreException.class,
                    () -> new Restorer(d, AppStore.open(store)).restoreAll(RestoreOptions.defaults()));
            assertTrue(e.getMessage().startsWith("cannot restore: the Docker engine at unix://" + tmp.resolve("no.sock")
                    + " is not reachable: "), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    void pendingEntriesAreClearedOnceRestored(@TempDir Path state) throws Exception {
        PendingRestore pending = new PendingRestore(state);
        String webName = name("hub.example.com/acme/web", web);
        pending.write(List.of(
                new PendingRestore.Entry(webName, web.imageId(), List.of(webName, "web:latest", "bad tag"), "shop"),
                new PendingRestore.Entry("gone/image:1", dev.dockfsck.model.Digest.sha256Of(new byte[] {9}), List.of(), "x")));
        List<RestoreResult> rs = new Restorer(engine, AppStore.open(store)).restorePending(pending, RestoreOptions.defaults());
        assertEquals(2, rs.size(), rs::toString);
        List<PendingRestore.Entry> left = pending.read();
        assertEquals(1, left.size());
        assertEquals("gone/image:1", left.get(0).name());
        // the tags the image had before are back, by image ID
        assertEquals(web.imageId().toString(), engine.tags.get("web:latest"));
        assertTrue(rs.get(0).tags().contains("web:latest"), rs.get(0)::toString);
        assertTrue(rs.get(1).reason().contains("no image"), rs.get(1)::toString);
    }
}
