package dev.dockfsck.model.appstore;

import static dev.dockfsck.model.appstore.TestStores.addResetAppsImage;
import static dev.dockfsck.model.appstore.TestStores.blobPath;
import static dev.dockfsck.model.appstore.TestStores.image;
import static dev.dockfsck.model.appstore.TestStores.layer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.model.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store that tries to make dockfsck read outside it: every attempt is a finding, nothing is followed. */
class HostileStoreTest {
    @TempDir
    Path tmp;

    static final String HASH = "3333333333333333333333333333333333333333333333333333333333333333";

    private Path store() throws IOException {
        Path s = tmp.resolve("store");
        Files.createDirectories(s);
        return s;
    }

    private static List<AppStoreFinding> refused(AppStore s) {
        return s.findings().stream().filter(f -> f.code() == AppStoreFinding.Code.APPSTORE_REFUSED_PATH).toList();
    }

    @Test
    void digestWithDotDotInIndexJsonIsRefused() throws IOException {
        Path store = store();
        TestStores.Image good = image(layer("a", "a"));
        TestStores.Image victim = image(layer("b", "b"));
        addResetAppsImage(store, "ok", HASH, "h.example/r/good", good);
        Path dir = addResetAppsImage(store, "evil", HASH, "h.example/r/evil", victim);
        // a file outside the store the digest tries to reach
        Files.writeString(tmp.resolve("secret"), "{\"schemaVersion\":2}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:../../../../../../../secret\",\"size\":19}]}");
        AppStore s = AppStore.open(store);
        List<AppStoreFinding> r = refused(s);
        assertEquals(1, r.size(), s.findings()::toString);
        assertTrue(r.get(0).message().contains("outside"), r.get(0).message());
        assertEquals(List.of("evil"), r.get(0).apps());
        assertEquals(1, s.images().size());
        assertEquals("ok", s.images().get(0).app());
        assertEquals(1, s.unresolved().size());
    }

    @Test
    void layerDigestWithDotDotInAManifestIsRefused() throws IOException {
        Path store = store();
        TestStores.Image img = image(layer("a", "a"));
        String manifest = new String(img.manifest()).replace(img.layers().get(0).blobDigest().toString(),
                "sha256:../../../../etc/passwd");
        byte[] mb = manifest.getBytes();
        Files.createDirectories(store.resolve("blobs/sha256"));
        Files.write(blobPath(store, Digest.sha256Of(mb)), mb);
        Files.write(blobPath(store, img.imageId()), img.config());
        Path dir = store.resolve("apps/x").resolve(HASH).resolve("images/h.example/r").resolve(Digest.sha256Of(mb).hex());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("index.json"), TestStores.indexJson(Digest.sha256Of(mb), mb.length, null));
        AppStore s = AppStore.open(store);
        assertEquals(1, refused(s).size(), s.findings()::toString);
        assertTrue(s.images().isEmpty());
    }

    @Test
    void symlinkedBlobIsRefusedAndNotRead() throws IOException {
        Path store = store();
        TestStores.Image img = image(layer("a", "a"), layer("b", "b"));
        addResetAppsImage(store, "app", HASH, "h.example/r", img);
        Path blob = blobPath(store, img.layers().get(1).blobDigest());
        Path outside = tmp.resolve("outside-blob");
        Files.move(blob, outside);
        Files.createSymbolicLink(blob, outside);
        AppStore s = AppStore.open(store);
        List<AppStoreFinding> r = refused(s);
        assertEquals(1, r.size(), s.findings()::toString);
        assertTrue(r.get(0).message().contains("symbolic link"), r.get(0).message());
        StoreImage i = s.images().get(0);
        assertFalse(s.blockers(i).isEmpty());
        assertThrows(IOException.class, () -> s.openBlob(i.layers().get(1).blob()));
    }

    @Test
    void symlinkedManifestBlobAndIndexJsonAndBlobDirAreRefused() throws IOException {
        Path store = store();
        TestStores.Image a = image(layer("a", "a"));
        TestStores.Image b = image(layer("b", "b"));
        addResetAppsImage(store, "app", HASH, "h.example/a", a);
        Path bdir = addResetAppsImage(store, "app", HASH, "h.example/b", b);
        Path m = blobPath(store, a.manifestDigest());
        Files.move(m, tmp.resolve("m"));
        Files.createSymbolicLink(m, tmp.resolve("m"));
        Files.move(bdir.resolve("index.json"), tmp.resolve("index.json"));
        Files.createSymbolicLink(bdir.resolve("index.json"), tmp.resolve("index.json"));
        AppStore s = AppStore.open(store);
        assertEquals(2, refused(s).size(), s.findings()::toString);
        assertTrue(s.images().isEmpty());

        // the whole blobs/ directory a link elsewhere
        Path other = tmp.resolve("other");
        Files.createDirectories(other);
        Files.move(store.resolve("blobs"), other.resolve("blobs"));
        Files.createSymbolicLink(store.resolve("blobs"), other.resolve("blobs"));
        Files.delete(bdir.resolve("index.json"));
        Files.move(tmp.resolve("index.json"), bdir.resolve("index.json"));
        AppStore s2 = AppStore.open(store);
        assertTrue(s2.images().isEmpty());
        assertTrue(refused(s2).stream().anyMatch(f -> f.path().equals("blobs")), s2.findings()::toString);
    }

    @Test
    void symlinkedAppAndImageDirectoriesAreNotFollowed() throws IOException {
        Path store = store();
        Path elsewhere = tmp.resolve("elsewhere");
        TestStores.Image a = image(layer("a", "a"));
        addResetAppsImage(elsewhere, "app", HASH, "h.example/a", a);
        Files.createDirectories(store.resolve("apps"));
        Files.createSymbolicLink(store.resolve("apps/app"), elsewhere.resolve("apps/app"));
        Path imgs = store.resolve("apps/real").resolve(HASH).resolve("images");
        Files.createDirectories(imgs);
        Files.createSymbolicLink(imgs.resolve("h.example"), elsewhere.resolve("apps/app").resolve(HASH).resolve("images/h.example"));
        AppStore s = AppStore.open(store);
        assertTrue(s.images().isEmpty());
        assertEquals(2, refused(s).size(), s.findings()::toString);
    }

    @Test
    void invalidRepositoryDirectoryNamesAreRefused() throws IOException {
        Path store = store();
        TestStores.Image a = image(layer("a", "a"));
        addResetAppsImage(store, "app", HASH, "h.example/UPPER case", a);
        AppStore s = AppStore.open(store);
        assertTrue(s.images().isEmpty());
        assertEquals(1, refused(s).size(), s.findings()::toString);
    }

    @Test
    void dockerArchiveWithDotDotNamesOrEscapingLinksIsRefused() throws IOException {
        TestStores.Image img = image(layer("a", "a"), layer("b", "b"));
        Map<String, TestStores.Image> m = new LinkedHashMap<>();
        m.put("h.example/r:t", img);
        Map<String, byte[]> e = TestStores.dockerArchiveEntries(m);
        String cfgName = img.imageId().hex() + ".json";
        String mf = new String(e.get("manifest.json")).replace(cfgName, "../../" + cfgName);
        e.put("manifest.json", mf.getBytes());
        Path tar = tmp.resolve("a.tar");
        TestStores.writeTar(tar, e, Map.of(), false);
        AppStore s = AppStore.open(tar);
        assertEquals(1, refused(s).size(), s.findings()::toString);
        assertTrue(s.images().isEmpty());

        // a layer entry that is a symlink out of the archive
        Map<String, byte[]> e2 = TestStores.dockerArchiveEntries(m);
        String layerName = img.layers().get(1).diffId().hex() + ".tar";
        e2.remove(layerName);
        Path tar2 = tmp.resolve("b.tar");
        TestStores.writeTar(tar2, e2, Map.of(layerName, "../../../etc/passwd"), false);
        AppStore s2 = AppStore.open(tar2);
        assertEquals(1, refused(s2).size(), s2.findings()::toString);
        assertFalse(s2.blockers(s2.images().get(0)).isEmpty());
    }
}
