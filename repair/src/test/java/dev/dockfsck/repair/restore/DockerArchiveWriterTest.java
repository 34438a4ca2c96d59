package dev.dockfsck.repair.restore;

import static dev.dockfsck.repair.restore.StoreBuilder.add;
import static dev.dockfsck.repair.restore.StoreBuilder.bigLayer;
import static dev.dockfsck.repair.restore.StoreBuilder.blobPath;
import static dev.dockfsck.repair.restore.StoreBuilder.image;
import static dev.dockfsck.repair.restore.StoreBuilder.layer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.BlobVerificationException;
import dev.dockfsck.model.appstore.StoreImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerArchiveWriterTest {
    @TempDir
    Path store;

    @Test
    void writesTheDockerLoadFormatWithGzipLayersAsStored() throws IOException {
        StoreBuilder.Layer l0 = layer("a", "a");
        StoreBuilder.Image img = image(l0, layer("b", "b"), l0);
        add(store, "app", "h.example/r", img);
        AppStore s = AppStore.open(store);
        StoreImage si = s.images().get(0);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DockerArchiveWriter.write(s, si, si.names(), out, n -> { });
        Map<String, byte[]> files = new HashMap<>();
        try (TarArchiveInputStream t = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            TarArchiveEntry e;
            while ((e = t.getNextEntry()) != null) {
                files.put(e.getName(), t.readAllBytes());
            }
        }
        JsonNode m = new ObjectMapper().readTree(files.get("manifest.json")).get(0);
        assertEquals(si.names().get(0), m.get("RepoTags").get(0).asText());
        assertArrayEquals(img.config(), files.get(m.get("Config").asText()));
        assertEquals(3, m.get("Layers").size());
        assertEquals(m.get("Layers").get(0), m.get("Layers").get(2), "a repeated layer is stored once");
        assertArrayEquals(l0.gzip(), files.get(m.get("Layers").get(0).asText()));
        assertEquals(4, files.size());
    }

    /** The heart of "dockerd registers nothing": a bad blob never yields a complete tar entry. */
    @Test
    void aCorruptLayerLeavesItsTarEntryShortWhateverHappensToTheStreamEnd() throws IOException {
        for (int at : new int[] {10, 70_000, -1}) {
            Path dir = Files.createTempDirectory(store, "s");
            StoreBuilder.Layer big = bigLayer("big", 400_000, at);
            StoreBuilder.Image img = image(layer("a", "a"), big);
            add(dir, "app", "h.example/r", img);
            Path p = blobPath(dir, big.blobDigest());
            byte[] b = Files.readAllBytes(p);
            int pos = at < 0 ? b.length - 1 : at;
            b[pos] ^= 0x01;
            Files.write(p, b);
            AppStore s = AppStore.open(dir);
            StoreImage si = s.images().get(0);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BlobVerificationException e = assertThrows(BlobVerificationException.class,
                    () -> DockerArchiveWriter.write(s, si, si.names(), out, n -> { }));
            assertEquals("blobs/sha256/" + big.blobDigest().hex(), e.location());
            // read what was emitted as if the stream had ended cleanly: the bad entry is never whole
            long got = -1;
            long declared = -1;
            try (TarArchiveInputStream t = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
                TarArchiveEntry te;
                while ((te = t.getNextEntry()) != null) {
                    if (te.getName().startsWith(big.blobDigest().hex())) {
                        declared = te.getSize();
                        InputStream in = t;
                        got = 0;
                        byte[] buf = new byte[8192];
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            got += n;
                        }
                    }
                }
            } catch (IOException truncated) {
                // also fine: the reader sees a truncated archive
            }
            assertTrue(got < declared || declared < 0, "corrupt entry emitted " + got + " of " + declared + " bytes");
        }
    }

    @Test
    void contentTotalCountsEachDistinctBlobOnce() throws IOException {
        StoreBuilder.Layer l0 = layer("a", "a");
        StoreBuilder.Image img = image(l0, l0);
        add(store, "app", "h.example/r", img);
        AppStore s = AppStore.open(store);
        StoreImage si = s.images().get(0);
        byte[] mj = DockerArchiveWriter.manifestJson(si, List.of("x:y"));
        assertEquals(mj.length + img.config().length + l0.gzip().length, DockerArchiveWriter.contentBytes(si, mj));
    }

    /** A docker-archive whose layers are gzip and not named by digest: the DiffID is checked on the way. */
    private Path gzipArchive(String name, byte[] config, List<byte[]> layerBlobs) throws IOException {
        Path tar = store.resolve(name);
        try (org.apache.commons.compress.archivers.tar.TarArchiveOutputStream t =
                     new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(Files.newOutputStream(tar))) {
            StringBuilder layers = new StringBuilder();
            for (int i = 0; i < layerBlobs.size(); i++) {
                put(t, "l" + i + ".tar.gz", layerBlobs.get(i));
                layers.append(i > 0 ? "," : "").append("\"l").append(i).append(".tar.gz\"");
            }
            String cfgName = dev.dockfsck.model.Digest.sha256Of(config).hex() + ".json";
            put(t, cfgName, config);
            put(t, "manifest.json", ("[{\"Config\":\"" + cfgName + "\",\"RepoTags\":[\"gz/img:1\"],\"Layers\":["
                    + layers + "]}]").getBytes());
        }
        return tar;
    }

    private static void put(org.apache.commons.compress.archivers.tar.TarArchiveOutputStream t, String n, byte[] d)
            throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(n);
        e.setSize(d.length);
        t.putArchiveEntry(e);
        t.write(d);
        t.closeArchiveEntry();
    }

    @Test
    void gzipLayersWithoutDigestNamesAreCheckedByDiffIdWhileStreaming() throws IOException {
        StoreBuilder.Layer a = bigLayer("a", 200_000, 5);
        StoreBuilder.Layer b = layer("b", "b");
        StoreBuilder.Image img = image(a, b);
        Path good = gzipArchive("good.tar", img.config(), List.of(a.gzip(), b.gzip()));
        try (AppStore s = AppStore.open(good)) {
            StoreImage si = s.images().get(0);
            assertTrue(si.layers().get(0).blob().digest().isEmpty(), "no blob digest known");
            DockerArchiveWriter.write(s, si, si.names(), new ByteArrayOutputStream(), n -> { });
        }
        // a valid gzip stream of the wrong content
        Path wrong = gzipArchive("wrong.tar", img.config(), List.of(a.gzip(), layer("b", "not b").gzip()));
        try (AppStore s = AppStore.open(wrong)) {
            StoreImage si = s.images().get(0);
            BlobVerificationException e = assertThrows(BlobVerificationException.class,
                    () -> DockerArchiveWriter.write(s, si, si.names(), new ByteArrayOutputStream(), n -> { }));
            assertTrue(e.getMessage().contains("DiffID"), e.getMessage());
            assertEquals("l1.tar.gz", e.location());
            assertTrue(s.blockers(si).size() == 1);
        }
        // a damaged gzip stream
        byte[] broken = a.gzip().clone();
        broken[broken.length / 2] ^= 0x10;
        Path bad = gzipArchive("bad.tar", img.config(), List.of(broken, b.gzip()));
        try (AppStore s = AppStore.open(bad)) {
            StoreImage si = s.images().get(0);
            BlobVerificationException e = assertThrows(BlobVerificationException.class,
                    () -> DockerArchiveWriter.write(s, si, si.names(), new ByteArrayOutputStream(), n -> { }));
            assertEquals("l0.tar.gz", e.location());
        }
    }
}
