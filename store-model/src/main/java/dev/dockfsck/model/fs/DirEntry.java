package dev.dockfsck.model.fs;

import java.nio.file.Path;

/** One entry of a directory listing, typed without following links. */
public record DirEntry(String name, Path path, FileKind kind) {
}
