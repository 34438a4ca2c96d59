package dev.dockfsck.repair.apply;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What an action may write to: the data root (through {@link RootedFs}) and dockfsck's state
 * dir; and what it may read besides: the app store's layers, when one was given.
 */
public record ApplyContext(RootedFs fs, Path stateDir, Optional<LayerBlobSource> blobs) {
    public ApplyContext(RootedFs fs, Path stateDir) {
        this(fs, stateDir, Optional.empty());
    }
}
