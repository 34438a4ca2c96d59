package dev.dockfsck.model.appstore;

import dev.dockfsck.model.Digest;
import java.util.Objects;

/**
 * One layer of a store image: the blob that holds it and the DiffID (sha256 of the uncompressed
 * tar) the image config says it has.
 */
public record StoreLayer(int index, Digest diffId, BlobRef blob) {
    public StoreLayer {
        Objects.requireNonNull(diffId, "diffId");
        Objects.requireNonNull(blob, "blob");
    }
}
