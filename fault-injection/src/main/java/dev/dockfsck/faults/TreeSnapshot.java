package dev.dockfsck.faults;

import dev.dockfsck.model.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a directory tree holds, path by path: type, permissions, size, content digest and link
 * target (timestamps are left out). Two snapshots are equal when the trees hold the same bytes
 * in the same shape; {@link #diff} names the paths that differ. Used to prove that a dry run
 * wrote nothing, that volumes survive, and that a resumed repair ends where an uninterrupted one
 * does. Never follows links.
 */
public record TreeSnapshot(Map<String, String> entries) {
    public TreeSnapshot {
        entries = java.util.Collections.unmodifiableMap(new TreeMap<>(entries));
    }

    /** Snapshots {@code root}, skipping the root-relative paths that start with any of {@code skip}. */
    public static TreeSnapshot of(Path root, Set<String> skip) throws IOException {
        Map<String, String> out = new TreeMap<>();
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return new TreeSnapshot(out);
        }
        byte[] buf = new byte[1 << 16];
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String rel = rel(root, dir);
                if (skipped(rel, skip)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                out.put(rel, "dir " + perms(dir));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = rel(root, file);
                if (skipped(rel, skip)) {
                    return FileVisitResult.CONTINUE;
                }
                if (attrs.isSymbolicLink()) {
                    out.put(rel, "link -> " + Files.readSymbolicLink(file));
                } else if (attrs.isRegularFile()) {
                    MessageDigest sha = Digest.newSha256();
                    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            sha.update(buf, 0, n);
                        }
                    }
                    out.put(rel, "file " + perms(file) + " " + attrs.size() + " " + Digest.ofRawSha256(sha.digest()).shortHex());
                } else {
                    out.put(rel, "other " + perms(file));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return new TreeSnapshot(out);
    }

    public static TreeSnapshot of(Path root) throws IOException {
        return of(root, Set.of());
    }

    /** One line per path that differs: {@code - path: old}, {@code + path: new}, {@code ~ path: old => new}. */
    public List<String> diff(TreeSnapshot other) {
        List<String> out = new ArrayList<>();
        Set<String> all = new TreeSet<>(entries.keySet());
        all.addAll(other.entries.keySet());
        for (String k : all) {
            String a = entries.get(k);
            String b = other.entries.get(k);
            if (a == null) {
                out.add("+ " + k + ": " + b);
            } else if (b == null) {
                out.add("- " + k + ": " + a);
            } else if (!a.equals(b)) {
                out.add("~ " + k + ": " + a + " => " + b);
            }
        }
        return out;
    }

    private static boolean skipped(String rel, Set<String> skip) {
        for (String s : skip) {
            if (rel.equals(s) || rel.startsWith(s + "/")) {
                return true;
            }
        }
        return false;
    }

    private static String rel(Path root, Path p) {
        String r = root.relativize(p).toString();
        return r.isEmpty() ? "." : r;
    }

    private static String perms(Path p) {
        try {
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return PosixFilePermissions.toString(a.permissions());
        } catch (IOException | UnsupportedOperationException e) {
            return "?";
        }
    }
}
