package dev.dockfsck.repair.apply;

import java.nio.file.Path;

/** What an action may write to: the data root (through {@link RootedFs}) and dockfsck's state dir. */
public record ApplyContext(RootedFs fs, Path stateDir) {
}
