package dev.dockfsck.model.image;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.Parsed;
import java.nio.file.Path;

/**
 * One image: {@code image/overlay2/imagedb/content/sha256/<imageID>} and its metadata dir.
 *
 * @param config the parsed config; DIGEST_MISMATCH when the bytes do not hash to the id
 * @param parent {@code imagedb/metadata/sha256/<id>/parent}, missing for loaded images
 */
public record Image(Digest id, Path path, Parsed<ImageConfig> config, Parsed<Digest> parent) {
}
