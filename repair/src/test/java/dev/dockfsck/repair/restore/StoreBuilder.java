package dev.dockfsck.repair.restore;

import dev.dockfsck.model.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Builds small reset-apps stores by hand (gzip layers, OCI manifests) for unit tests. */
final class StoreBuilder {
    record Layer(byte[] tar, byte[] gzip) {
        Digest diffId() {
            return Digest.sha256Of(tar);
        }

        Digest blobDigest() {
            return Digest.sha256Of(gzip);
        }
    }

    record Image(List<Layer> layers, byte[] config, byte[] manifest) {
        Digest imageId() {
            return Digest.sha256Of(config);
        }

        Digest manifestDigest() {
            return Digest.sha256Of(manifest);
        }

        List<String> diffIds() {
            return layers.stream().map(l -> l.diffId().toString()).toList();
        }
    }

    private StoreBuilder() {
    }

    static Layer layer(String file, String content) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            byte[] data = content.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry(file);
            e.setSize(data.length);
            e.setModTime(0);
            t.putArchiveEntry(e);
            t.write(data);
            t.closeArchiveEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] tar = b.toByteArray();
        ByteArrayOutputStream g = new ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(g)) {
            z.write(tar);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Layer(tar, g.toByteArray());
    }

    /** A layer big enough to span several pipe buffers (random-ish content, stored gzip). */
    static Layer bigLayer(String file, int size, long seed) {
        java.util.Random r = new java.util.Random(seed);
        StringBuilder s = new StringBuilder(size);
        for (int i = 0; i < size; i++) {
            s.append((char) ('a' + r.nextInt(26)));
        }
        return layer(file, s.toString());
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

    static Path blobPath(Path store, Digest d) {
        return store.resolve("blobs/sha256").resolve(d.hex());
    }

    static String name(String hostRepo, Image img) {
        return hostRepo + ":" + img.manifestDigest().hex().substring(0, 7);
    }

    static void add(Path store, String app, String hostRepo, Image img) throws IOException {
        Files.createDirectories(store.resolve("blobs/sha256"));
        Files.write(blobPath(store, img.manifestDigest()), img.manifest());
        Files.write(blobPath(store, img.imageId()), img.config());
        for (Layer l : img.layers()) {
            Files.write(blobPath(store, l.blobDigest()), l.gzip());
        }
        byte[] appManifest = ("{\"app\":\"" + app + "\"}").getBytes(StandardCharsets.UTF_8);
        Path version = store.resolve("apps").resolve(app).resolve(Digest.sha256Of(appManifest).hex());
        Files.createDirectories(version);
        Files.write(version.resolve("manifest.json"), appManifest);
        Path dir = version.resolve("images").resolve(hostRepo).resolve(img.manifestDigest().hex());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + img.manifestDigest() + "\",\"size\":"
                + img.manifest().length + "}]}");
    }
}
