package dev.dockfsck.model.tarsplit;

import java.io.IOException;

/**
 * A file entry of a tar-split whose content cannot be served as recorded: no such file (or not a
 * regular file, or a name that cannot be resolved safely), a size other than the entry's, or a
 * CRC-64 other than its payload ({@code docker save} says "file integrity checksum failed").
 */
public final class ContentMismatchException extends IOException {
    private static final long serialVersionUID = 1L;

    /** What is wrong with the file. */
    public enum Problem {
        /** No file by that name (or not a regular file, or a name that is unsafe to resolve). */
        MISSING,
        /** Fewer or more bytes than the entry's size. */
        SIZE,
        /** The right size, but the CRC-64 differs. */
        CHECKSUM
    }

    private final Problem problem;
    private final byte[] name;

    public ContentMismatchException(Problem problem, byte[] name, String detail) {
        super(message(problem, name, detail));
        this.problem = problem;
        this.name = name.clone();
    }

    private static String message(Problem problem, byte[] name, String detail) {
        String n = dev.dockfsck.model.Texts.quote(TarSplitNames.display(name));
        String what = switch (problem) {
            case MISSING -> "no content for " + n;
            case SIZE -> "wrong size for " + n;
            case CHECKSUM -> "file integrity checksum failed for " + n;
        };
        return detail == null || detail.isEmpty() ? what : what + ": " + detail;
    }

    public Problem problem() {
        return problem;
    }

    /** The entry's name bytes. */
    public byte[] name() {
        return name.clone();
    }

    /** The name for people. */
    public String displayName() {
        return TarSplitNames.display(name);
    }
}
