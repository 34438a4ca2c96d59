package dev.dockfsck.repair.apply;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Every write repair makes, confined to one data root: paths are relative and checked (no
 * {@code ..}, no absolute, no symlink among the parent directories, never {@code volumes/});
 * files are written by temp file + fsync + rename + directory fsync; trees are removed without
 * following links. Each operation is idempotent: redoing it after a crash is harmless.
 */
public final class RootedFs {
    private final Path root;

    public RootedFs(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** Resolves a root-relative path, refusing anything that could leave the root or touch volumes/. */
    public Path resolve(String relative) {
        if (relative.isEmpty() || relative.startsWith("/") || relative.contains("\0")) {
            throw new UnsafePathException(relative, "not a relative path");
        }
        Path p = root;
        String[] parts = relative.split("/");
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.equals(".") || part.equals("..")) {
                throw new UnsafePathException(relative, "contains an empty, '.' or '..' component");
            }
            if (i == 0 && part.equals("volumes")) {
                throw new UnsafePathException(relative, "volumes/ holds user data and is never touched");
            }
            p = p.resolve(part);
            if (i < parts.length - 1 && Files.isSymbolicLink(p)) {
                throw new UnsafePathException(relative, "passes through the symbolic link " + root.relativize(p));
            }
        }
        return p;
    }

    /** Atomically replaces a small file: temp + fsync + rename + fsync of the directory. */
    public void writeAtomically(String relative, byte[] content) throws IOException {
        Path target = resolve(relative);
        writeAtomically(target, content);
    }

    /** The same, the file made with this mode (dockerd writes image configs 0600). */
    public void writeAtomically(String relative, byte[] content, java.util.Set<java.nio.file.attribute.PosixFilePermission> mode)
            throws IOException {
        writeAtomically(resolve(relative), content, mode);
    }

    /** The same for a path already checked (or outside the root, such as the state dir). */
    public static void writeAtomically(Path target, byte[] content) throws IOException {
        writeAtomically(target, content, null);
    }

    private static void writeAtomically(Path target, byte[] content,
                                        java.util.Set<java.nio.file.attribute.PosixFilePermission> mode) throws IOException {
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + target.getFileName() + ".dockfsck-tmp");
        Files.deleteIfExists(tmp);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS)) {
                if (mode != null) {
                    Files.setPosixFilePermissions(tmp, mode);
                }
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(content);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            move(tmp, target);
        } catch (IOException | RuntimeException e) {
            // a full disk, most likely: leave nothing of ours behind (the target is as it was)
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        fsyncDir(dir);
    }

    public static void writeAtomically(Path target, String content) throws IOException {
        writeAtomically(target, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Creates or replaces a symlink atomically (temp link + rename). */
    public void symlink(String relative, String target) throws IOException {
        Path link = resolve(relative);
        Path dir = link.getParent();
        Files.createDirectories(dir);
        if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).toString().equals(target)) {
            return;
        }
        Path tmp = dir.resolve("." + link.getFileName() + ".dockfsck-tmp");
        Files.deleteIfExists(tmp);
        Files.createSymbolicLink(tmp, link.getFileSystem().getPath(target));
        move(tmp, link);
        fsyncDir(dir);
    }

    /** Renames within the root; done when the source is gone and the target exists. */
    public void rename(String from, String to) throws IOException {
        Path a = resolve(from);
        Path b = resolve(to);
        if (!Files.exists(a, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        move(a, b);
        fsyncDir(a.getParent());
        if (!a.getParent().equals(b.getParent())) {
            fsyncDir(b.getParent());
        }
    }

    /** Removes a file, link or whole tree without following links; missing is done. Returns bytes freed. */
    public long removeTree(String relative) throws IOException {
        Path p = resolve(relative);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        long[] freed = {0};
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            freed[0] = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).size();
            Files.delete(p);
        } else {
            Files.walkFileTree(p, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (!attrs.isDirectory()) {
                        freed[0] += attrs.size();
                    }
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                    if (exc instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw exc;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    if (exc != null && !(exc instanceof NoSuchFileException)) {
                        throw exc;
                    }
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        fsyncDir(p.getParent());
        return freed[0];
    }

    public boolean exists(String relative) {
        return Files.exists(resolve(relative), LinkOption.NOFOLLOW_LINKS);
    }

    private static void move(Path a, Path b) throws IOException {
        try {
            Files.move(a, b, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(a, b, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** fsync of a directory, so a rename or unlink in it survives a power cut (no-op where unsupported). */
    public static void fsyncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // jimfs and some file systems cannot open a directory; nothing to sync there
        }
    }

    /** A path that would leave the root, pass a symlink, or touch volumes/: never written. */
    public static final class UnsafePathException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public UnsafePathException(String path, String why) {
            super("refusing to write " + dev.dockfsck.model.Texts.quote(path) + ": " + why);
        }
    }
}
