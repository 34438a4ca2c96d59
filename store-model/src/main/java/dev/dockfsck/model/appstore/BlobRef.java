package dev.dockfsck.model.appstore;

import dev.dockfsck.model.Digest;
import java.util.Objects;
import java.util.Optional;

/**
 * One blob of the app store as a descriptor names it.
 *
 * @param location    where it lives, relative to the store: {@code blobs/sha256/<hex>} for a
 *                    directory store, the entry name for a docker-archive
 * @param digest      the sha256 its raw bytes must hash to (empty only for a docker-archive entry
 *                    whose name carries no digest and which has no diffID to stand in)
 * @param size        the size its descriptor gives, or -1 when none does
 * @param mediaType   the descriptor's media type ("" when there is none)
 * @param compression the compression the media type announces
 */
public record BlobRef(String location, Optional<Digest> digest, long size, String mediaType, Compression compression) {
    public BlobRef {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(digest, "digest");
        mediaType = mediaType == null ? "" : mediaType;
        Objects.requireNonNull(compression, "compression");
    }

    /** The blob of a directory store, {@code blobs/sha256/<hex>}. */
    public static BlobRef inBlobDir(Digest d, long size, String mediaType) {
        return new BlobRef("blobs/sha256/" + d.hex(), Optional.of(d), size, mediaType, Compression.ofMediaType(mediaType));
    }

    /** The digest if known, else the location: how messages name the blob. */
    public String label() {
        return digest.map(Digest::toString).orElse(location);
    }
}
