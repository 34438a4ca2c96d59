package dev.dockfsck.model.layer;

import java.nio.file.Path;

/**
 * {@code layerdb/tmp/write-set-<digits>/}: a layer registration that was never committed
 * (renamed into {@code layerdb/sha256/}). dockerd never removes these.
 */
public record WriteSet(String name, Path dir) {
}
