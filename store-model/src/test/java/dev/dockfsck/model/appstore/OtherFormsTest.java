package dev.dockfsck.model.appstore;

import static dev.dockfsck.model.appstore.TestStores.image;
import static dev.dockfsck.model.appstore.TestStores.layer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OtherFormsTest {
    @TempDir
    Path tmp;

    final TestStores.Layer base = layer("bin/base", "base");
    final TestStores.Image one = image(base, layer("one", "1"));
    final TestStores.Image two = image(base, layer("two", "2"));

    @Test
    void plainOciLayoutWithBareTagsAndFullNames() throws IOException {
        Path dir = tmp.resolve("My_Layout");
        TestStores.writeBlobs(dir, one);
        TestStores.writeBlobs(dir, two);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":["
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + one.manifestDigest()
                + "\",\"size\":" + one.manifest().length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}},"
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + one.manifestDigest()
                + "\",\"size\":" + one.manifest().length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}},"
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + two.manifestDigest()
                + "\",\"size\":" + two.manifest().length + ",\"annotations\":{\"io.containerd.image.name\":\"reg.example:5000/x/two:2.0\"}}]}");
        AppStore s = AppStore.open(dir);
        assertEquals(StoreForm.OCI_LAYOUT, s.form());
        assertTrue(s.findings().isEmpty(), s.findings()::toString);
        assertEquals(2, s.images().size());
        assertEquals(List.of("my_layout:v1", "my_layout:latest"), s.images().get(0).names());
        assertEquals(List.of("reg.example:5000/x/two:2.0"), s.images().get(1).names());
        assertEquals("", s.images().get(0).app());
        AppStore named = AppStore.openOciLayout(dir, "acme/thing");
        assertEquals("acme/thing:v1", named.images().get(0).names().get(0));
    }

    @Test
    void anOciLayoutThatLostItsIndexJsonIsAnUnreadableLayoutNotNoStore() throws IOException {
        // skopeo writes oci-layout and the blobs first, index.json last
        Path dir = tmp.resolve("cut");
        TestStores.writeBlobs(dir, one);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        AppStore s = AppStore.open(dir);
        assertEquals(StoreForm.OCI_LAYOUT, s.form());
        assertFalse(s.readable());
        assertEquals(List.of("index.json"), s.findings().stream().map(AppStoreFinding::path).toList());
        assertEquals(AppStoreFinding.Code.APPSTORE_UNREADABLE, s.findings().get(0).code());
    }

    @Test
    void ociLayoutOnJimfs() throws IOException {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path dir = fs.getPath("/layout");
            TestStores.writeBlobs(dir, one);
            Files.writeString(dir.resolve("index.json"), TestStores.indexJson(one.manifestDigest(), one.manifest().length, "t1"));
            AppStore s = AppStore.open(dir);
            assertEquals(1, s.images().size(), s.findings()::toString);
            assertEquals("layout:t1", s.images().get(0).names().get(0));
            try (InputStream in = s.openUncompressedLayer(s.images().get(0).layers().get(1))) {
                assertArrayEquals(one.layers().get(1).tar(), in.readAllBytes());
            }
        }
    }

    @Test
    void imageIndexPicksTheManifestOfThisPlatform() throws IOException {
        Path dir = tmp.resolve("idx");
        TestStores.writeBlobs(dir, one);
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> System.getProperty("os.arch");
        };
        byte[] index = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + "a".repeat(64)
                + "\",\"size\":5,\"platform\":{\"os\":\"linux\",\"architecture\":\"s390x\"}},"
                + "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + one.manifestDigest()
                + "\",\"size\":" + one.manifest().length + ",\"platform\":{\"os\":\"linux\",\"architecture\":\"" + arch + "\"}}]}")
                .getBytes();
        dev.dockfsck.model.Digest id = dev.dockfsck.model.Digest.sha256Of(index);
        Files.write(TestStores.blobPath(dir, id), index);
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.index.v1+json\",\"digest\":\"" + id + "\",\"size\":" + index.length
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"multi\"}}]}");
        AppStore s = AppStore.open(dir);
        assertEquals(1, s.images().size(), s.findings()::toString);
        assertEquals(one.imageId(), s.images().get(0).imageId());
    }

    private Map<String, TestStores.Image> both() {
        Map<String, TestStores.Image> m = new LinkedHashMap<>();
        m.put("h.example/one:v1", one);
        m.put("two:latest", two);
        return m;
    }

    @Test
    void dockerArchivePlainAndGzip() throws IOException {
        for (boolean gz : new boolean[] {false, true}) {
            Path tar = tmp.resolve("save" + gz + ".tar");
            TestStores.writeTar(tar, TestStores.dockerArchiveEntries(both()), Map.of(), gz);
            try (AppStore s = AppStore.open(tar)) {
                assertEquals(StoreForm.DOCKER_ARCHIVE, s.form());
                assertTrue(s.findings().isEmpty(), s.findings()::toString);
                assertEquals(2, s.images().size());
                StoreImage i = s.find("h.example/one:v1").get(0);
                assertEquals(one.imageId(), i.imageId());
                assertEquals(one.layers().get(1).diffId(), i.layers().get(1).blob().digest().orElseThrow());
                assertEquals(List.of("two:latest"), s.images().get(1).names());
                try (InputStream in = s.openUncompressedLayer(i.layers().get(1))) {
                    assertArrayEquals(one.layers().get(1).tar(), in.readAllBytes());
                }
                assertTrue(s.verifyLayers(null).isEmpty());
            }
        }
    }

    @Test
    void dockerSaveStyleSymlinkedLayersResolveInsideTheArchive() throws IOException {
        // docker save 20.10: <v1id>/layer.tar, shared layers as symlinks ../<other>/layer.tar
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("aaaa/layer.tar", base.tar());
        e.put("bbbb/layer.tar", one.layers().get(1).tar());
        e.put(one.imageId().hex() + ".json", one.config());
        e.put(two.imageId().hex() + ".json", two.config());
        e.put("dddd/layer.tar", two.layers().get(1).tar());
        e.put("manifest.json", ("[{\"Config\":\"" + one.imageId().hex() + ".json\",\"RepoTags\":[\"one:1\"],\"Layers\":"
                + "[\"aaaa/layer.tar\",\"bbbb/layer.tar\"]},{\"Config\":\"" + two.imageId().hex() + ".json\",\"RepoTags\":"
                + "[\"two:1\"],\"Layers\":[\"cccc/layer.tar\",\"dddd/layer.tar\"]}]").getBytes());
        Path tar = tmp.resolve("save.tar");
        TestStores.writeTar(tar, e, Map.of("cccc/layer.tar", "../aaaa/layer.tar"), false);
        AppStore s = AppStore.open(tar);
        assertTrue(s.findings().isEmpty(), s.findings()::toString);
        StoreImage t = s.find("two:1").get(0);
        assertEquals(base.diffId(), t.layers().get(0).blob().digest().orElseThrow());
        assertTrue(s.verifyLayers(null).isEmpty());
    }

    @Test
    void dockerArchiveWithCorruptLayerIsFoundByVerification() throws IOException {
        Map<String, byte[]> e = TestStores.dockerArchiveEntries(both());
        String n = two.layers().get(1).diffId().hex() + ".tar";
        byte[] b = e.get(n).clone();
        b[100] ^= 1;
        e.put(n, b);
        Path tar = tmp.resolve("bad.tar");
        TestStores.writeTar(tar, e, Map.of(), false);
        AppStore s = AppStore.open(tar);
        assertTrue(s.findings().isEmpty());
        List<AppStoreFinding> f = s.verifyLayers(null);
        assertEquals(1, f.size(), f::toString);
        assertEquals(List.of("two:latest"), f.get(0).images());
        assertTrue(s.blockers(s.find("h.example/one:v1").get(0)).isEmpty());
        assertFalse(s.blockers(s.find("two:latest").get(0)).isEmpty());
    }

    @Test
    void notAnArchive() throws IOException {
        Path f = tmp.resolve("junk.tar");
        Files.writeString(f, "hello");
        AppStore s = AppStore.open(f);
        assertFalse(s.readable());
        assertEquals(AppStoreFinding.Code.APPSTORE_UNREADABLE, s.findings().get(0).code());
        assertThrows(IOException.class, () -> s.openBlob(new BlobRef("x", java.util.Optional.empty(), -1, "", Compression.NONE)));
    }
}
