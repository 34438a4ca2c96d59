package dev.dockfsck.cli.it;

import dev.dockfsck.model.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Everything a write could change under a directory, for "wrote no byte" assertions: for every
 * entry (the directory itself included) its full mode, owner, size, mtime and ctime in
 * nanoseconds, inode, sha256 of a regular file, a symlink's target, a device number, and every
 * xattr (getfattr, all namespaces). Unlike {@link dev.dockfsck.fixtures.store.TreeSnapshot} it
 * keeps timestamps, so a file rewritten with the same bytes, a chmod to the same mode or a temp
 * file created and removed in a directory (its mtime) all show.
 */
record ByteSnapshot(Map<String, String> entries) {
    static ByteSnapshot of(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Map<String, String> xattrs = xattrs(dir);
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                visit(d);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                visit(f);
                return FileVisitResult.CONTINUE;
            }

            private void visit(Path p) throws IOException {
                String rel = dir.relativize(p).toString();
                Map<String, Object> u = Files.readAttributes(p, "unix:mode,uid,gid,size,rdev,ino,lastModifiedTime,ctime",
                        LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) u.get("mode");
                StringBuilder s = new StringBuilder();
                s.append("mode=").append(Integer.toOctalString(mode)).append(" owner=").append(u.get("uid")).append(':')
                        .append(u.get("gid")).append(" ino=").append(u.get("ino"))
                        .append(" mtime=").append(((FileTime) u.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS))
                        .append(" ctime=").append(((FileTime) u.get("ctime")).to(TimeUnit.NANOSECONDS));
                int fmt = mode & 0170000;
                if (fmt != 0040000) {
                    s.append(" size=").append(u.get("size"));
                }
                if (fmt == 0100000) {
                    s.append(" sha256=").append(sha256(p));
                } else if (fmt == 0120000) {
                    s.append(" -> ").append(Files.readSymbolicLink(p));
                } else if (fmt == 0020000 || fmt == 0060000) {
                    s.append(" rdev=").append(u.get("rdev"));
                }
                String x = xattrs.get(rel);
                if (x != null) {
                    s.append(" xattrs=").append(x);
                }
                String prev = out.put(rel, s.toString());
                if (prev != null) {
                    throw new IOException("two entries decode to the same name " + rel + ": not comparable");
                }
            }
        });
        // names getfattr escaped differently from Java's decoding: still compared, under their own key
        xattrs.forEach((rel, x) -> {
            if (!out.containsKey(rel)) {
                out.put("xattrs of " + rel, x);
            }
        });
        return new ByteSnapshot(out);
    }

    private static String sha256(Path p) throws IOException {
        MessageDigest md = Digest.newSha256();
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return Digest.ofRawSha256(md.digest()).hex();
    }

    /** {@code getfattr -R -h -d -m - -e hex .}: relative path -> "name=0x..;name=0x..". */
    private static Map<String, String> xattrs(Path dir) throws IOException {
        Process p = new ProcessBuilder("getfattr", "-R", "-h", "-d", "-m", "-", "-e", "hex", ".")
                .directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("getfattr did not finish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        Map<String, String> res = new HashMap<>();
        String current = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("# file: ")) {
                current = line.substring(8);
                current = current.equals(".") ? "" : current.startsWith("./") ? current.substring(2) : current;
            } else if (!line.isBlank() && current != null) {
                res.merge(current, line.strip(), (a, b) -> a + ";" + b);
            }
        }
        return res;
    }

    /** Human-readable differences (empty when equal). */
    List<String> diff(ByteSnapshot after) {
        List<String> d = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(entries.keySet());
        names.addAll(after.entries.keySet());
        for (String n : names) {
            String a = entries.get(n);
            String b = after.entries.get(n);
            if (a == null) {
                d.add("new: " + n + " " + b);
            } else if (b == null) {
                d.add("gone: " + n + " " + a);
            } else if (!a.equals(b)) {
                d.add(n + ": " + a + " <> " + b);
            }
        }
        return d;
    }
}
