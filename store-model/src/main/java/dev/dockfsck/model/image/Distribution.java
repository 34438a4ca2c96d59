package dev.dockfsck.model.image;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.Parsed;
import java.nio.file.Path;
import java.util.Map;

/**
 * {@code image/overlay2/distribution/}: pull metadata. {@code diffid-by-digest/sha256/<blob>}
 * holds a diffID; {@code v2metadata-by-diffid/sha256/<diffID>} holds JSON about blobs.
 */
public record Distribution(Map<Digest, Parsed<Digest>> diffIdByDigest, Map<Digest, Path> v2MetadataByDiffId) {
    public Distribution {
        diffIdByDigest = dev.dockfsck.model.SortedMaps.sortedCopy(diffIdByDigest);
        v2MetadataByDiffId = dev.dockfsck.model.SortedMaps.sortedCopy(v2MetadataByDiffId);
    }
}
