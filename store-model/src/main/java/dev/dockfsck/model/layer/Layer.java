package dev.dockfsck.model.layer;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.Parsed;
import dev.dockfsck.model.fs.FileKind;
import java.nio.file.Path;

/**
 * One registered read-only layer: {@code image/overlay2/layerdb/sha256/<chainID>/}.
 *
 * @param chainId  the chainID its directory is named by
 * @param dir      the layerdb directory
 * @param diffId   {@code diff}: the sha256 of the uncompressed layer tar
 * @param size     {@code size}: bytes on disk under the cache dir's {@code diff/}
 * @param cacheId  {@code cache-id}: the overlay2 directory holding the layer's files
 * @param parent   {@code parent}: the parent's chainID; {@link Parsed#isMissing()} for a base layer
 * @param tarSplit what {@code tar-split.json.gz} is on disk (REGULAR when present)
 * @param foreign  whether a {@code descriptor.json} marks a foreign layer
 */
public record Layer(Digest chainId, Path dir, Parsed<Digest> diffId, Parsed<Long> size,
                    Parsed<String> cacheId, Parsed<Digest> parent, FileKind tarSplit, boolean foreign) {

    public static final String DIFF = "diff";
    public static final String SIZE = "size";
    public static final String CACHE_ID = "cache-id";
    public static final String PARENT = "parent";
    public static final String TAR_SPLIT = "tar-split.json.gz";
    public static final String DESCRIPTOR = "descriptor.json";

    public boolean isBase() {
        return parent.isMissing();
    }

    public Path tarSplitPath() {
        return dir.resolve(TAR_SPLIT);
    }
}
