package dev.dockfsck.faults.catalogue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Paths a fault may write: inside the data root, reached without following a symbolic link (a
 * link anywhere on the way could lead out of the root) and without {@code ..}.
 */
public final class SafePaths {
    private SafePaths() {
    }

    /** Refused: the path would leave the root. */
    public static final class OutsideRootException extends IOException {
        private static final long serialVersionUID = 1L;

        public OutsideRootException(String message) {
            super(message);
        }
    }

    /** The root as the faults see it: real (a root given through a link is followed once, here). */
    public static Path root(Path root) throws IOException {
        Path real = root.toRealPath();
        if (!Files.isDirectory(real)) {
            throw new IOException(root + " is not a directory");
        }
        return real;
    }

    /**
     * {@code rel} under {@code root}: refused when it is absolute, empty, holds {@code ..}, or
     * when any directory on the way (not the last name) is a symbolic link or not a directory.
     */
    public static Path resolve(Path root, String rel) throws OutsideRootException {
        if (rel == null || rel.isEmpty()) {
            throw new OutsideRootException("an empty target names the root itself");
        }
        Path r = root.getFileSystem().getPath(rel);
        if (r.isAbsolute()) {
            throw new OutsideRootException("target " + rel + " is absolute: give it relative to the root");
        }
        for (Path name : r) {
            if (name.toString().equals("..") || name.toString().equals(".")) {
                throw new OutsideRootException("target " + rel + " holds " + name + ": refused");
            }
        }
        Path p = root.resolve(r).normalize();
        if (!p.startsWith(root) || p.equals(root)) {
            throw new OutsideRootException("target " + rel + " is not inside " + root);
        }
        Path at = root;
        for (int i = 0; i < r.getNameCount() - 1; i++) {
            at = at.resolve(r.getName(i));
            if (Files.isSymbolicLink(at)) {
                throw new OutsideRootException("target " + rel + ": " + root.relativize(at)
                        + " is a symbolic link; a fault never writes through one");
            }
            if (Files.exists(at, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
                throw new OutsideRootException("target " + rel + ": " + root.relativize(at) + " is not a directory");
            }
        }
        return p;
    }
}
