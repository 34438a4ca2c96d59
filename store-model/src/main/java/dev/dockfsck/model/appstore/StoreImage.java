package dev.dockfsck.model.appstore;

import dev.dockfsck.model.Digest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One image of the app store, resolved to its manifest, config and layer blobs. The config bytes
 * were read once and verified against {@link #imageId()}; layer blobs are only located (and their
 * size checked) until they are streamed.
 *
 * @param key            unique within the store: the image directory relative to the store
 *                       (reset-apps), {@code index.json#N} (OCI layout) or {@code manifest.json#N}
 * @param app            the app it belongs to ("" when the store has no apps)
 * @param appHash        the app version hash directory ("" when none)
 * @param names          the names dockerd should tag it with ({@code host/repo:tag}, never a digest)
 * @param manifestDigest the digest the store names the image by: its manifest's, or, for one
 *                       platform of a multi-arch image in a reset-apps store, the image index's its
 *                       directory is named by (empty for a docker-archive)
 * @param manifest       the manifest blob (null for a docker-archive)
 * @param config         the config blob
 * @param configBytes    the verified config bytes
 * @param layers         the layers, base first; {@code layers.get(i).diffId()} is {@code rootfs.diff_ids[i]}
 */
public record StoreImage(String key, String app, String appHash, List<String> names, Optional<Digest> manifestDigest,
                         BlobRef manifest, BlobRef config, byte[] configBytes, List<StoreLayer> layers) {
    public StoreImage {
        Objects.requireNonNull(key, "key");
        app = app == null ? "" : app;
        appHash = appHash == null ? "" : appHash;
        names = List.copyOf(names);
        Objects.requireNonNull(manifestDigest, "manifestDigest");
        Objects.requireNonNull(config, "config");
        configBytes = configBytes.clone();
        layers = List.copyOf(layers);
    }

    /** dockerd's image ID: sha256 of the config bytes. */
    public Digest imageId() {
        return Digest.sha256Of(configBytes);
    }

    @Override
    public byte[] configBytes() {
        return configBytes.clone();
    }

    /** The config's {@code rootfs.diff_ids}, base first. */
    public List<Digest> diffIds() {
        return layers.stream().map(StoreLayer::diffId).toList();
    }

    /** The chainID of each layer, base first. */
    public List<Digest> chainIds() {
        List<Digest> out = new ArrayList<>();
        Digest chain = null;
        for (StoreLayer l : layers) {
            chain = Digest.chainId(chain, l.diffId());
            out.add(chain);
        }
        return out;
    }

    /** The layer whose uncompressed stream has this DiffID. */
    public Optional<StoreLayer> layerWithDiffId(Digest diffId) {
        return layers.stream().filter(l -> l.diffId().equals(diffId)).findFirst();
    }

    /** The first name, or the key when the image has none: how messages name it. */
    public String label() {
        return names.isEmpty() ? key : names.get(0);
    }

    /** Sum of the layer blob sizes (unknown sizes count 0) plus the config. */
    public long totalBytes() {
        long t = configBytes.length;
        for (StoreLayer l : layers) {
            t += Math.max(0, l.blob().size());
        }
        return t;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoreImage s && s.key.equals(key) && s.app.equals(app) && s.appHash.equals(appHash);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, app, appHash);
    }

    @Override
    public String toString() {
        return "StoreImage[" + label() + " (" + key + "), app=" + app + "]";
    }
}
