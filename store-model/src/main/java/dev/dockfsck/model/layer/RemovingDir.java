package dev.dockfsck.model.layer;

import java.nio.file.Path;

/**
 * {@code layerdb/sha256/<hex>-<rand>-removing/} (or a mount's {@code <id>-removing}): a layer
 * deletion that was interrupted after dockerd renamed the directory away.
 */
public record RemovingDir(String name, Path dir) {
}
