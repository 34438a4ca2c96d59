package dev.dockfsck.checker.deep;

import java.util.Locale;

/** How one file of a layer differs from what its tar-split records. */
public enum DamageKind {
    /** No entry at that path under diff/ (or a parent directory is missing). */
    MISSING,
    /** A regular file of another size than recorded (zero-length and truncated files). */
    WRONG_SIZE,
    /** Something else than a regular file: a symlink, directory, device, FIFO or socket, or a
     *  path that runs through a symlink or non-directory; never read through. */
    NOT_REGULAR,
    /** An entry without content (directory, link, empty file, FIFO) of another type on disk. */
    WRONG_TYPE,
    /** The entry is there with its type, but its mode (set-id bits included), owner, link target,
     *  device numbers or extended attributes differ from its tar header (what the digest cannot see). */
    METADATA,
    /** Same size, but the CRC-64 of the content differs from the recorded one. */
    CONTENT_DIFFERS,
    /** The recorded name is absolute, has a {@code ..} component or a NUL byte: never read. */
    UNSAFE_NAME,
    /** The file is there but could not be read (permission, I/O error, or a non-UTF-8 name that
     *  cannot be told apart from another one without the JVM flag of docs/java-on-the-store.md). */
    UNREADABLE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
