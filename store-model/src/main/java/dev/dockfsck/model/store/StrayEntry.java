package dev.dockfsck.model.store;

import dev.dockfsck.model.Defect;
import java.nio.file.Path;

/**
 * Something in a directory dockerd owns that dockerd would not have put there, or that could not
 * be read: a name that is not a digest, a symlink where a directory belongs, an unlistable dir.
 */
public record StrayEntry(Path path, Defect defect) {
}
