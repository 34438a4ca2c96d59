package dev.dockfsck.model.fs;

/** What a directory entry is, seen without following symbolic links (lstat). */
public enum FileKind {
    MISSING, REGULAR, DIRECTORY, SYMLINK, OTHER
}
