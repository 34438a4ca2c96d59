package dev.dockfsck.model;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Why a file of the store could not be used. Parsing never throws on bad content: every
 * unreadable or malformed file becomes a {@code Defect} in the model, and the checker turns it
 * into a finding.
 */
public record Defect(Kind kind, Path path, String detail) {
    public enum Kind {
        /** The file does not exist. */
        MISSING,
        /** The file exists and has zero bytes (or only white space). */
        EMPTY,
        /** JSON that ends before it is complete: the classic cut-off write. */
        TRUNCATED,
        /** Present but not in the expected format (bad digest, not a number, wrong JSON shape). */
        MALFORMED,
        /** The bytes do not hash to the digest that names the file. */
        DIGEST_MISMATCH,
        /** A symbolic link where a regular file or directory is expected; never followed. */
        SYMLINK,
        /** A directory, device, FIFO or socket where a regular file is expected, or the reverse. */
        WRONG_TYPE,
        /** Larger than any such file dockerd writes; not read. */
        TOO_LARGE,
        /** The operating system refused to read it (permissions, I/O error). */
        UNREADABLE
    }

    public Defect {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
        detail = detail == null ? "" : detail;
    }

    /** One line for a person: "empty: /var/lib/docker/.../cache-id". */
    public String describe() {
        String what = switch (kind) {
            case MISSING -> "missing";
            case EMPTY -> "empty";
            case TRUNCATED -> "truncated";
            case MALFORMED -> "malformed";
            case DIGEST_MISMATCH -> "content does not match its digest";
            case SYMLINK -> "a symbolic link, not followed";
            case WRONG_TYPE -> "wrong file type";
            case TOO_LARGE -> "too large";
            case UNREADABLE -> "unreadable";
        };
        return detail.isEmpty() ? what : what + " (" + detail + ")";
    }
}
