package dev.dockfsck.model.appstore;

import static dev.dockfsck.model.appstore.TestStores.addResetAppsImage;
import static dev.dockfsck.model.appstore.TestStores.blobPath;
import static dev.dockfsck.model.appstore.TestStores.image;
import static dev.dockfsck.model.appstore.TestStores.layer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.model.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResetAppsStoreTest {
    @TempDir
    Path store;

    final TestStores.Layer base = layer("bin/base", "the shared base layer");
    final TestStores.Image one = image(base, layer("app/one", "one"));
    final TestStores.Image two = image(base, layer("app/two", "two"), layer("app/two-b", "two b"));
    final TestStores.Image three = image(base, layer("app/three", "three"));

    static final String HASH1 = "1111111111111111111111111111111111111111111111111111111111111111";
    static final String HASH2 = "2222222222222222222222222222222222222222222222222222222222222222";

    @BeforeEach
    void build() throws IOException {
        addResetAppsImage(store, "alpha", HASH1, "hub.example.com/factory/one", one);
        addResetAppsImage(store, "alpha", HASH1, "hub.example.com/factory/two", two);
        addResetAppsImage(store, "beta", HASH2, "hub.example.com/factory/deep/three", three);
    }

    private static StoreImage named(AppStore s, String name) {
        List<StoreImage> l = s.find(name);
        assertEquals(1, l.size(), () -> "images named " + name + ": " + s.images());
        return l.get(0);
    }

    private static List<AppStoreFinding> withCode(AppStore s, AppStoreFinding.Code code) {
        return s.findings().stream().filter(f -> f.code() == code).toList();
    }

    @Test
    void resolvesImagesNamesAppsAndLayers() {
        AppStore s = AppStore.open(store);
        assertEquals(StoreForm.RESET_APPS, s.form());
        assertTrue(s.readable());
        assertEquals(3, s.images().size());
        assertEquals(List.of("alpha", "beta"), s.apps());
        // findings only about the app manifests that these hand-made apps lack
        assertTrue(s.findings().stream().allMatch(f -> f.code() == AppStoreFinding.Code.APPSTORE_APP_MANIFEST_INVALID),
                () -> s.findings().toString());

        String name = "hub.example.com/factory/two:" + two.manifestDigest().hex().substring(0, 7);
        StoreImage i = named(s, name);
        assertEquals("alpha", i.app());
        assertEquals(HASH1, i.appHash());
        assertEquals(List.of(name), i.names());
        assertEquals(two.imageId(), i.imageId());
        assertEquals(two.manifestDigest(), i.manifestDigest().orElseThrow());
        assertEquals(two.layers().stream().map(TestStores.Layer::diffId).toList(), i.diffIds());
        assertEquals(Compression.GZIP, i.layers().get(1).blob().compression());
        assertEquals(two.layers().get(1).blobDigest(), i.layers().get(1).blob().digest().orElseThrow());
        assertTrue(s.blockers(i).isEmpty());

        StoreImage deep = named(s, "hub.example.com/factory/deep/three:" + three.manifestDigest().hex().substring(0, 7));
        assertEquals("beta", deep.app());
        assertEquals(1, s.imagesOfApp("beta").size());
        assertEquals(2, s.imagesOfApp("alpha").size());
        // by image ID too
        assertEquals(deep, s.find(three.imageId().toString()).get(0));
    }

    @Test
    void findsTheLayerBlobOfADiffIdAndStreamsItUncompressedAndVerified() throws IOException {
        AppStore s = AppStore.open(store);
        StoreLayer l = s.layerForDiffId(base.diffId()).orElseThrow();
        assertEquals(base.blobDigest(), l.blob().digest().orElseThrow());
        try (InputStream in = s.openUncompressedLayer(l)) {
            assertArrayEquals(base.tar(), in.readAllBytes());
        }
        assertTrue(s.layerForDiffId(Digest.sha256Of(new byte[] {1})).isEmpty());
    }

    @Test
    void layerForDiffIdPrefersACopyNotKnownToBeBad() throws IOException {
        // the same layer content stored twice: as gzip (in one and two) and uncompressed in another image
        TestStores.Layer plainBase = new TestStores.Layer(base.tar(), base.tar());
        TestStores.Image four = image(plainBase);
        String manifest = new String(four.manifest()).replace("tar+gzip", "tar");
        TestStores.Image fourPlain = new TestStores.Image(four.layers(), four.config(), manifest.getBytes());
        addResetAppsImage(store, "gamma", HASH2, "hub.example.com/factory/four", fourPlain);
        Files.delete(blobPath(store, base.blobDigest()));
        AppStore s = AppStore.open(store);
        StoreLayer l = s.layerForDiffId(base.diffId()).orElseThrow();
        assertEquals(base.diffId(), l.blob().digest().orElseThrow(), "the uncompressed copy, the gzip one is missing");
        assertEquals(Compression.NONE, l.blob().compression());
        try (InputStream in = s.openUncompressedLayer(l)) {
            assertArrayEquals(base.tar(), in.readAllBytes());
        }
    }

    @Test
    void appManifestHashIsChecked() throws IOException {
        byte[] mf = "{\"name\":\"alpha\"}".getBytes();
        Path v = store.resolve("apps/gamma").resolve(Digest.sha256Of(mf).hex());
        Files.createDirectories(v);
        Files.write(v.resolve("manifest.json"), mf);
        Path bad = store.resolve("apps/gamma").resolve(HASH1);
        Files.createDirectories(bad);
        Files.write(bad.resolve("manifest.json"), mf);
        AppStore s = AppStore.open(store);
        List<AppStoreFinding> f = withCode(s, AppStoreFinding.Code.APPSTORE_APP_MANIFEST_INVALID).stream()
                .filter(x -> x.apps().contains("gamma")).toList();
        assertEquals(1, f.size(), f::toString);
        assertTrue(f.get(0).path().contains(HASH1));
        assertFalse(AppStoreFinding.Code.APPSTORE_APP_MANIFEST_INVALID.blocking());
    }

    @Test
    void missingLayerBlobBlocksOnlyTheImagesUsingIt() throws IOException {
        Digest gone = two.layers().get(2).blobDigest();
        Files.delete(blobPath(store, gone));
        AppStore s = AppStore.open(store);
        List<AppStoreFinding> f = withCode(s, AppStoreFinding.Code.APPSTORE_BLOB_MISSING);
        assertEquals(1, f.size(), f::toString);
        assertEquals(gone.toString(), f.get(0).blob());
        assertEquals("blobs/sha256/" + gone.hex(), f.get(0).path());
        assertEquals(List.of("alpha"), f.get(0).apps());
        StoreImage t = named(s, "hub.example.com/factory/two:" + two.manifestDigest().hex().substring(0, 7));
        assertEquals(f, s.blockers(t));
        assertTrue(s.blockers(named(s, "hub.example.com/factory/one:" + one.manifestDigest().hex().substring(0, 7))).isEmpty());
    }

    @Test
    void missingSharedBaseBlobNamesEveryImageAndApp() throws IOException {
        Files.delete(blobPath(store, base.blobDigest()));
        AppStore s = AppStore.open(store);
        List<AppStoreFinding> f = withCode(s, AppStoreFinding.Code.APPSTORE_BLOB_MISSING);
        assertEquals(1, f.size(), f::toString);
        assertEquals(3, f.get(0).images().size());
        assertEquals(List.of("alpha", "beta"), f.get(0).apps());
        assertTrue(s.images().stream().noneMatch(i -> s.blockers(i).isEmpty()));
    }

    @Test
    void layerBlobOfWrongSizeIsCorruptAtOpen() throws IOException {
        Path p = blobPath(store, one.layers().get(1).blobDigest());
        Files.write(p, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        AppStore s = AppStore.open(store);
        List<AppStoreFinding> f = withCode(s, AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT);
        assertEquals(1, f.size(), f::toString);
        assertTrue(f.get(0).message().contains("descriptor says"), f.get(0).message());
    }

    @Test
    void flippedByteInALayerIsFoundWhileStreamingAndByVerifyLayers() throws IOException {
        TestStores.Layer victim = three.layers().get(1);
        Path p = blobPath(store, victim.blobDigest());
        byte[] b = Files.readAllBytes(p);
        b[b.length / 2] ^= 0x40;
        Files.write(p, b);
        AppStore s = AppStore.open(store);
        assertTrue(withCode(s, AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT).isEmpty(), "same size: not seen at open");
        StoreImage img = s.images().stream().filter(i -> i.app().equals("beta")).findFirst().orElseThrow();
        assertTrue(s.blockers(img).isEmpty());

        // streaming: every byte but the verdict comes through; the read reaching EOF throws
        byte[] buf = new byte[b.length];
        try (InputStream in = s.openBlob(img.layers().get(1).blob())) {
            int n = in.readNBytes(buf, 0, b.length);
            assertEquals(b.length, n);
            BlobVerificationException e = assertThrows(BlobVerificationException.class, in::read);
            assertTrue(e.getMessage().contains(victim.blobDigest().toString()), e.getMessage());
            assertEquals("blobs/sha256/" + victim.blobDigest().hex(), e.location());
        }
        assertEquals(1, s.blockers(img).size());
        assertEquals(AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT, s.blockers(img).get(0).code());

        AppStore fresh = AppStore.open(store);
        List<AppStoreFinding> found = fresh.verifyLayers(null);
        assertEquals(1, found.size(), found::toString);
        assertEquals(victim.blobDigest().toString(), found.get(0).blob());
        assertEquals(List.of("beta"), found.get(0).apps());
        assertEquals(1, found.get(0).images().size());
        // the others stay restorable
        assertEquals(2, fresh.images().stream().filter(i -> fresh.blockers(i).isEmpty()).count());
    }

    @Test
    void corruptManifestOrConfigLeavesTheImageUnresolved() throws IOException {
        Files.writeString(blobPath(store, one.manifestDigest()), "{\"schemaVersion\":2}   ");
        Files.delete(blobPath(store, two.imageId()));
        AppStore s = AppStore.open(store);
        assertEquals(1, s.images().size());
        assertEquals(2, s.unresolved().size());
        AppStoreFinding m = withCode(s, AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT).get(0);
        assertEquals(one.manifestDigest().toString(), m.blob());
        AppStoreFinding c = withCode(s, AppStoreFinding.Code.APPSTORE_BLOB_MISSING).get(0);
        assertEquals(two.imageId().toString(), c.blob());
        assertTrue(c.images().get(0).startsWith("hub.example.com/factory/two:"));
    }

    @Test
    void indexJsonMustPointAtTheManifestItsDirectoryNames() throws IOException {
        Path dir = store.resolve("apps/alpha").resolve(HASH1).resolve("images/hub.example.com/factory/one")
                .resolve(one.manifestDigest().hex());
        Files.writeString(dir.resolve("index.json"), TestStores.indexJson(two.manifestDigest(), two.manifest().length, null));
        AppStore s = AppStore.open(store);
        assertEquals(1, withCode(s, AppStoreFinding.Code.APPSTORE_INDEX_INVALID).size());
        assertEquals(2, s.images().size());
    }

    @Test
    void anImageDirectoryWithoutItsIndexIsAnImageThatCannotBeRestoredNotNoImage() throws IOException {
        // skopeo writes oci-layout first and index.json last: a cut copy leaves the one without the other,
        // or, cut earlier, only the directory named by the manifest digest
        Path dirOne = store.resolve("apps/alpha").resolve(HASH1).resolve("images/hub.example.com/factory/one")
                .resolve(one.manifestDigest().hex());
        Files.delete(dirOne.resolve("index.json"));
        Path dirThree = store.resolve("apps/beta").resolve(HASH2).resolve("images/hub.example.com/factory/deep/three")
                .resolve(three.manifestDigest().hex());
        Files.delete(dirThree.resolve("index.json"));
        Files.delete(dirThree.resolve("oci-layout"));
        AppStore s = AppStore.open(store);
        assertEquals(1, s.images().size(), "two is intact");
        List<AppStoreFinding> invalid = withCode(s, AppStoreFinding.Code.APPSTORE_INDEX_INVALID);
        assertEquals(List.of(store.relativize(dirOne.resolve("index.json")).toString(),
                store.relativize(dirThree.resolve("index.json")).toString()), invalid.stream().map(AppStoreFinding::path).toList());
        assertEquals(List.of("hub.example.com/factory/one:" + one.manifestDigest().hex().substring(0, 7),
                "hub.example.com/factory/deep/three:" + three.manifestDigest().hex().substring(0, 7)),
                s.unresolved().stream().map(u -> u.names().get(0)).toList());
    }

    @Test
    void aDirectoryOnTheWayToAnImageIsNotAnImage() throws IOException {
        // images/<host>/<repo> with no image below it yet (a copy cut after mkdir -p of the repo path)
        Files.createDirectories(store.resolve("apps/beta").resolve(HASH2).resolve("images/hub.example.com/factory/four"));
        AppStore s = AppStore.open(store);
        assertEquals(3, s.images().size());
        assertEquals(List.of(), withCode(s, AppStoreFinding.Code.APPSTORE_INDEX_INVALID));
    }

    /** Renames image one's directory to {@code named}, as skopeo leaves a platform copy of an image index. */
    private Path renameOneTo(Digest named) throws IOException {
        Path dir = store.resolve("apps/alpha").resolve(HASH1).resolve("images/hub.example.com/factory/one")
                .resolve(one.manifestDigest().hex());
        Path to = dir.resolveSibling(named.hex());
        Files.move(dir, to);
        return to;
    }

    private byte[] indexListing(Digest... manifests) {
        StringBuilder b = new StringBuilder("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[");
        for (int i = 0; i < manifests.length; i++) {
            b.append(i == 0 ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"")
                    .append(manifests[i]).append("\",\"size\":1,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}");
        }
        return b.append("]}").toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void aPlatformCopyOfAnImageIndexIsTheImageItsDirectoryNames() throws IOException {
        // skopeo without --all: the directory is named by the index the compose file references,
        // index.json lists only this platform's manifest, and the index itself is not kept
        Digest list = Digest.sha256Of(indexListing(one.manifestDigest(), two.manifestDigest()));
        renameOneTo(list);
        AppStore s = AppStore.open(store);
        assertEquals(List.of(), withCode(s, AppStoreFinding.Code.APPSTORE_INDEX_INVALID));
        StoreImage img = named(s, "hub.example.com/factory/one:" + list.hex().substring(0, 7));
        assertEquals(one.manifestDigest(), img.manifest().digest().orElseThrow());
        assertEquals(List.of(img), s.find("hub.example.com/factory/one@" + list));

        // the index kept too, and listing the manifest: the same image
        Files.write(blobPath(store, list), indexListing(one.manifestDigest(), two.manifestDigest()));
        AppStore kept = AppStore.open(store);
        assertEquals(List.of(), withCode(kept, AppStoreFinding.Code.APPSTORE_INDEX_INVALID));
        assertEquals(3, kept.images().size());
    }

    @Test
    void anIndexJsonThatNamesNoneOfItsDirectoryIsInconsistentWhenTheStoreSaysOtherwise() throws IOException {
        // the store holds the index the directory is named by, and it does not list the manifest
        byte[] other = indexListing(two.manifestDigest());
        Digest list = Digest.sha256Of(other);
        Files.write(blobPath(store, list), other);
        renameOneTo(list);
        assertEquals(1, withCode(AppStore.open(store), AppStoreFinding.Code.APPSTORE_INDEX_INVALID).size());

        // or index.json lists several manifests, none the one the directory names
        Files.delete(blobPath(store, list));
        Path dir = store.resolve("apps/alpha").resolve(HASH1).resolve("images/hub.example.com/factory/one").resolve(list.hex());
        Files.writeString(dir.resolve("index.json"), new String(indexListing(one.manifestDigest(), two.manifestDigest()),
                java.nio.charset.StandardCharsets.UTF_8));
        AppStore s = AppStore.open(store);
        assertEquals(1, withCode(s, AppStoreFinding.Code.APPSTORE_INDEX_INVALID).size());
        assertEquals(2, s.images().size());
    }

    private Path compose(String app, String hash, String yaml) throws IOException {
        Path f = store.resolve("apps").resolve(app).resolve(hash).resolve("docker-compose.yml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void theImagesAnAppsComposeFilePinsMustBeThereAnImageLostWholeIsNamed() throws IOException {
        compose("alpha", HASH1, "services:\n  one:\n    image: hub.example.com/factory/one@" + one.manifestDigest()
                + "\n  two:\n    image: \"hub.example.com/factory/two:v2@" + two.manifestDigest() + "\"\n"
                + "  built:\n    build: .\n  tagged:\n    image: hub.example.com/factory/x:latest\n");
        compose("beta", HASH2, "services:\n  three:\n    image: hub.example.com/factory/deep/three@" + three.manifestDigest() + "\n");
        AppStore s = AppStore.open(store);
        assertEquals(List.of(), withCode(s, AppStoreFinding.Code.APPSTORE_INDEX_INVALID), "every pinned image is there");
        assertEquals(3, s.images().size());

        // a fetch cut before skopeo wrote the image: its directory never came
        Path dir = store.resolve("apps/beta").resolve(HASH2).resolve("images/hub.example.com/factory/deep/three")
                .resolve(three.manifestDigest().hex());
        for (String f : List.of("index.json", "oci-layout")) {
            Files.delete(dir.resolve(f));
        }
        Files.delete(dir);
        AppStore cut = AppStore.open(store);
        List<AppStoreFinding> lost = withCode(cut, AppStoreFinding.Code.APPSTORE_INDEX_INVALID);
        assertEquals(1, lost.size(), lost.toString());
        assertEquals("apps/beta/" + HASH2 + "/docker-compose.yml", lost.get(0).path());
        String name = "hub.example.com/factory/deep/three:" + three.manifestDigest().hex().substring(0, 7);
        assertEquals(List.of(name), lost.get(0).images());
        assertEquals(List.of(List.of(name)), cut.unresolved().stream().map(UnresolvedImage::names).toList());
    }

    @Test
    void aComposeFileThatCannotBeReadIsAWarningAndTheImagesStillRestore() throws IOException {
        Path f = compose("alpha", HASH1, "services:\n  one:\n    image: [unclosed\n");
        AppStore s = AppStore.open(store);
        List<AppStoreFinding> w = withCode(s, AppStoreFinding.Code.APPSTORE_APP_MANIFEST_INVALID).stream()
                .filter(x -> x.path().endsWith("docker-compose.yml")).toList();
        assertEquals(1, w.size(), s.findings().toString());
        assertTrue(w.get(0).message().contains("cannot be listed"), w.get(0).message());
        assertEquals(3, s.images().stream().filter(i -> s.blockers(i).isEmpty()).count());

        Files.writeString(f, "services:\n  one:\n    image: hub.example.com/factory/one@sha256:12\n");
        assertTrue(withCode(AppStore.open(store), AppStoreFinding.Code.APPSTORE_APP_MANIFEST_INVALID).stream()
                .anyMatch(x -> x.message().contains("not host/repo@sha256:<64 hex>")));
    }

    @Test
    void missingStoreIsUnreadable(@TempDir Path tmp) {
        AppStore s = AppStore.open(tmp.resolve("nope"));
        assertFalse(s.readable());
        assertEquals(AppStoreFinding.Code.APPSTORE_UNREADABLE, s.findings().get(0).code());
        assertTrue(s.findings().get(0).message().contains("no app store"));
        AppStore empty = AppStore.open(tmp);
        assertFalse(empty.readable());
    }
}
