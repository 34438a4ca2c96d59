package dev.dockfsck.repair.restore;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.AppStoreFinding;
import dev.dockfsck.model.appstore.BlobVerificationException;
import dev.dockfsck.model.appstore.Compression;
import dev.dockfsck.model.appstore.BlobRef;
import dev.dockfsck.model.appstore.StoreImage;
import dev.dockfsck.model.appstore.StoreLayer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes the docker-archive {@code POST /images/load} takes for one store image, straight from
 * the store's blobs: {@code manifest.json} (Config, RepoTags, Layers), the config, and each layer
 * blob as it is stored (gzip stays gzip; dockerd decompresses and checks the DiffID).
 *
 * <p>Every layer is verified against its digest and size while it streams, and the last chunk of
 * a layer is written only after that check passed: a bad blob leaves its tar entry short, so
 * the archive can never be read as complete, whatever the transport does with the end of the
 * stream. The caller must then abort the upload (not close the archive).
 */
final class DockerArchiveWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 64 * 1024;

    private DockerArchiveWriter() {
    }

    /** The bytes of blob content an archive of this image carries (the progress total). */
    static long contentBytes(StoreImage img, byte[] manifestJson) {
        long t = manifestJson.length + img.configBytes().length;
        for (BlobRef b : distinctLayers(img).values()) {
            t += Math.max(0, b.size());
        }
        return t;
    }

    private static void verifyDiffId(AppStore store, StoreLayer layer, DiffIdTee tee) throws IOException {
        String where = store.pathOf(layer.blob());
        Digest actual;
        try {
            actual = tee.finish();
        } catch (IOException e) {
            BlobVerificationException bve = new BlobVerificationException(where, "content", "a gzip stream", e.getMessage());
            store.recordBlobFailure(layer.blob(), AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT, "blob failed verification: "
                    + bve.getMessage());
            throw bve;
        }
        if (!actual.equals(layer.diffId())) {
            BlobVerificationException bve = new BlobVerificationException(where, "DiffID (sha256 uncompressed)",
                    layer.diffId().toString(), actual.toString());
            store.recordBlobFailure(layer.blob(), AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT, "blob failed verification: "
                    + bve.getMessage());
            throw bve;
        }
    }

    static Map<String, StoreLayer> distinctLayerEntries(StoreImage img) {
        Map<String, StoreLayer> out = new LinkedHashMap<>();
        for (StoreLayer l : img.layers()) {
            out.putIfAbsent(entryName(l), l);
        }
        return out;
    }

    static Map<String, BlobRef> distinctLayers(StoreImage img) {
        Map<String, BlobRef> out = new LinkedHashMap<>();
        for (StoreLayer l : img.layers()) {
            out.putIfAbsent(entryName(l), l.blob());
        }
        return out;
    }

    private static String entryName(StoreLayer l) {
        return l.blob().digest().map(d -> d.hex() + "/layer.tar").orElse("layer-" + l.index() + "/layer.tar");
    }

    static byte[] manifestJson(StoreImage img, List<String> tags) {
        ArrayNode root = JSON.createArrayNode();
        ObjectNode e = root.addObject();
        e.put("Config", img.imageId().hex() + ".json");
        ArrayNode t = e.putArray("RepoTags");
        tags.forEach(t::add);
        ArrayNode layers = e.putArray("Layers");
        img.layers().forEach(l -> layers.add(entryName(l)));
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Writes the archive. On success the tar is finished and {@code out} closed; on any failure
     * (a blob failing verification, the reader going away) it throws, leaving {@code out} open
     * and the archive incomplete.
     *
     * @param sent called with the running count of content bytes written
     */
    static void write(AppStore store, StoreImage img, List<String> tags, OutputStream out, LongConsumer sent) throws IOException {
        byte[] manifest = manifestJson(img, tags);
        long[] count = {0};
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        putSmall(tar, "manifest.json", manifest);
        count[0] += manifest.length;
        sent.accept(count[0]);
        byte[] config = img.configBytes();
        putSmall(tar, img.imageId().hex() + ".json", config);
        count[0] += config.length;
        sent.accept(count[0]);
        for (Map.Entry<String, StoreLayer> e : distinctLayerEntries(img).entrySet()) {
            StoreLayer layer = e.getValue();
            BlobRef ref = layer.blob();
            TarArchiveEntry te = new TarArchiveEntry(e.getKey());
            te.setSize(ref.size());
            te.setModTime(0);
            tar.putArchiveEntry(te);
            // no digest to check the raw bytes against: check the DiffID of the stream instead
            DiffIdTee tee = ref.digest().isEmpty() && ref.compression() == Compression.GZIP ? new DiffIdTee(e.getKey()) : null;
            try (InputStream in = store.openBlob(ref)) {
                // hold back the last chunk until the read that reaches EOF has verified the blob
                byte[] prev = new byte[CHUNK];
                byte[] cur = new byte[CHUNK];
                int prevLen = 0;
                while (true) {
                    int n = in.readNBytes(cur, 0, CHUNK);
                    if (n <= 0) {
                        // readNBytes returned 0: EOF was reached, and the stream verified the blob
                        break;
                    }
                    if (tee != null) {
                        tee.write(cur, 0, n);
                    }
                    if (prevLen > 0) {
                        tar.write(prev, 0, prevLen);
                        count[0] += prevLen;
                        sent.accept(count[0]);
                    }
                    byte[] t = prev;
                    prev = cur;
                    cur = t;
                    prevLen = n;
                    if (n < CHUNK) {
                        // short read: readNBytes saw EOF; one more read returns -1 through the verifier
                        if (in.read() >= 0) {
                            throw new IOException("blob " + store.pathOf(ref) + " grew while it was read");
                        }
                        break;
                    }
                }
                if (tee != null) {
                    verifyDiffId(store, layer, tee);
                }
                if (prevLen > 0) {
                    tar.write(prev, 0, prevLen);
                    count[0] += prevLen;
                    sent.accept(count[0]);
                }
            } catch (IOException | RuntimeException ex) {
                if (tee != null) {
                    tee.abort();
                }
                throw ex;
            }
            tar.closeArchiveEntry();
        }
        tar.finish();
        tar.close();
    }

    private static void putSmall(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
        TarArchiveEntry te = new TarArchiveEntry(name);
        te.setSize(data.length);
        te.setModTime(0);
        tar.putArchiveEntry(te);
        tar.write(data);
        tar.closeArchiveEntry();
    }
}
