package dev.dockfsck.model.appstore;

import dev.dockfsck.model.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Hand-made OCI layouts, reset-apps stores and docker-archives for unit tests. */
final class TestStores {
    private TestStores() {
    }

    /** A layer: its uncompressed tar and the gzip blob of it. */
    record Layer(byte[] tar, byte[] gzip) {
        Digest diffId() {
            return Digest.sha256Of(tar);
        }

        Digest blobDigest() {
            return Digest.sha256Of(gzip);
        }
    }

    /** An image: its layers, config and OCI manifest bytes. */
    record Image(List<Layer> layers, byte[] config, byte[] manifest) {
        Digest imageId() {
            return Digest.sha256Of(config);
        }

        Digest manifestDigest() {
            return Digest.sha256Of(manifest);
        }
    }

    static byte[] tarOf(Map<String, String> files) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            for (Map.Entry<String, String> f : files.entrySet()) {
                byte[] data = f.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setSize(data.length);
                e.setModTime(0);
                t.putArchiveEntry(e);
                t.write(data);
                t.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream g = new GZIPOutputStream(b)) {
            g.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    static Layer layer(String file, String content) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(file, content);
        byte[] tar = tarOf(m);
        return new Layer(tar, gzip(tar));
    }

    static Image image(Layer... layers) {
        StringBuilder diffIds = new StringBuilder();
        StringBuilder descs = new StringBuilder();
        for (Layer l : layers) {
            if (diffIds.length() > 0) {
                diffIds.append(',');
                descs.append(',');
            }
            diffIds.append('"').append(l.diffId()).append('"');
            descs.append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"")
                    .append(l.blobDigest()).append("\",\"size\":").append(l.gzip().length).append('}');
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
                + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{"
                + "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + Digest.sha256Of(config)
                + "\",\"size\":" + config.length + "},\"layers\":[" + descs + "]}").getBytes(StandardCharsets.UTF_8);
        return new Image(List.of(layers), config, manifest);
    }

    static Path blobPath(Path root, Digest d) {
        return root.resolve("blobs/sha256").resolve(d.hex());
    }

    static void writeBlobs(Path root, Image img) throws IOException {
        Files.createDirectories(root.resolve("blobs/sha256"));
        Files.write(blobPath(root, img.manifestDigest()), img.manifest());
        Files.write(blobPath(root, img.imageId()), img.config());
        for (Layer l : img.layers()) {
            Files.write(blobPath(root, l.blobDigest()), l.gzip());
        }
    }

    static String indexJson(Digest manifest, long size, String refName) {
        String ann = refName == null ? "" : ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + refName + "\"}";
        return "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"digest\":\"" + manifest + "\",\"size\":" + size + ann + "}]}";
    }

    /** Adds an image to a reset-apps store; returns the image directory. */
    static Path addResetAppsImage(Path store, String app, String appHash, String hostRepo, Image img) throws IOException {
        writeBlobs(store, img);
        Path dir = store.resolve("apps").resolve(app).resolve(appHash).resolve("images").resolve(hostRepo)
                .resolve(img.manifestDigest().hex());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), indexJson(img.manifestDigest(), img.manifest().length, null));
        return dir;
    }

    /** Writes a docker-archive tar: entries in order; a value of null with a "->target" key suffix makes a symlink. */
    static void writeTar(Path file, Map<String, byte[]> entries, Map<String, String> symlinks, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file);
             TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> f : entries.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setSize(f.getValue().length);
                t.putArchiveEntry(e);
                t.write(f.getValue());
                t.closeArchiveEntry();
            }
            for (Map.Entry<String, String> s : symlinks.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(s.getKey(), TarArchiveEntry.LF_SYMLINK);
                e.setLinkName(s.getValue());
                t.putArchiveEntry(e);
                t.closeArchiveEntry();
            }
        }
    }

    /** Entries of a docker save style archive for the images (layers uncompressed, named by DiffID). */
    static Map<String, byte[]> dockerArchiveEntries(Map<String, Image> byTag) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        StringBuilder mf = new StringBuilder("[");
        for (Map.Entry<String, Image> e : byTag.entrySet()) {
            Image img = e.getValue();
            if (mf.length() > 1) {
                mf.append(',');
            }
            List<String> layerNames = new ArrayList<>();
            for (Layer l : img.layers()) {
                String n = l.diffId().hex() + ".tar";
                layerNames.add('"' + n + '"');
                entries.put(n, l.tar());
            }
            entries.put(img.imageId().hex() + ".json", img.config());
            mf.append("{\"Config\":\"").append(img.imageId().hex()).append(".json\",\"RepoTags\":[\"").append(e.getKey())
                    .append("\"],\"Layers\":[").append(String.join(",", layerNames)).append("]}");
        }
        mf.append(']');
        entries.put("manifest.json", mf.toString().getBytes(StandardCharsets.UTF_8));
        return entries;
    }
}
