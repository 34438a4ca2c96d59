package dev.dockfsck.repair.extract;

import dev.dockfsck.model.fs.Posix;
import dev.dockfsck.model.fs.RawPaths;
import dev.dockfsck.repair.apply.RootedFs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a layer's entries into an empty {@code diff/} directory as dockerd 20.10's
 * {@code archive.Unpack} with the overlay2 whiteout converter does, so the result is the layer
 * dockerd would have made: {@code .wh.<name>} becomes a character device 0/0 named {@code <name>}
 * owned as its header says, {@code .wh..wh..opq} the xattr {@code trusted.overlay.opaque=y} on its
 * directory; missing parents are made 0755 root; every entry gets, in dockerd's order, its owner
 * (lchown), its PAX xattrs, its mode with set-id and sticky bits (not for symbolic links) and its
 * times (atime never before mtime); directories' times are set last. Hard links stay hard links.
 *
 * <p>Hostile input is refused with an {@link IOException} naming the entry: a name or hard-link
 * target with a {@code ..} component, or whose parent inside the layer is a symbolic link or not a
 * directory (dockerd's breakout check), so nothing is ever written outside {@code diff/}. Every
 * file and directory written is fsynced by {@link #finish()}.
 *
 * <p>Needs {@link Posix} (the launcher's JVM flags).
 */
public final class DiffWriter {
    private static final byte[] OPAQUE = ".wh..wh..opq".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WHITEOUT = ".wh.".getBytes(StandardCharsets.US_ASCII);

    private final Path diff;
    private final List<Object[]> dirTimes = new ArrayList<>();
    private final List<Path> toSync = new ArrayList<>();
    private long entries;

    /** {@code diff} must exist and be an empty directory. */
    public DiffWriter(Path diff) throws IOException {
        if (!Posix.available()) {
            throw new IOException("extracting a layer needs libc: " + Posix.unavailableReason());
        }
        this.diff = diff;
    }

    /** How many tar entries were written. */
    public long entries() {
        return entries;
    }

    /** Writes one entry; {@code content} is the entry's data (read only for regular files). */
    public void entry(EntryHeader h, InputStream content) throws IOException {
        List<byte[]> parts = clean(h.name());
        if (parts.isEmpty()) {
            return; // "." : the layer's root, which diff/ is
        }
        entries++;
        byte[] base = parts.get(parts.size() - 1);
        Path parent = parents(parts.subList(0, parts.size() - 1), h);
        if (Arrays.equals(base, OPAQUE)) {
            Posix.setXattr(parent, "trusted.overlay.opaque", new byte[] {'y'});
            return;
        }
        if (startsWith(base, WHITEOUT)) {
            Path p = child(parent, Arrays.copyOfRange(base, WHITEOUT.length, base.length), h);
            replaceExisting(p, false);
            Posix.mknod(p, Posix.S_IFCHR, 0, 0, 0);
            Posix.lchown(p, h.uid(), h.gid());
            return;
        }
        Path p = child(parent, base, h);
        replaceExisting(p, h.type() == EntryHeader.Type.DIRECTORY);
        switch (h.type()) {
            case DIRECTORY -> {
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(p);
                }
                toSync.add(p);
            }
            case REGULAR -> {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                     OutputStream out = Channels.newOutputStream(ch)) {
                    content.transferTo(out);
                    out.flush();
                    ch.force(true);
                }
            }
            case HARDLINK -> {
                List<byte[]> target = clean(h.linkname());
                if (target.isEmpty()) {
                    throw new IOException(describe(h) + ": a hard link to the layer's root");
                }
                Path tp = child(parents(target.subList(0, target.size() - 1), h), target.get(target.size() - 1), h);
                if (!Files.exists(tp, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException(describe(h) + ": its hard-link target is not in the layer");
                }
                Files.createLink(p, tp);
            }
            case SYMLINK -> Posix.symlink(h.linkname(), p);
            case CHAR -> Posix.mknod(p, Posix.S_IFCHR, h.mode() & 07777, h.devMajor(), h.devMinor());
            case BLOCK -> Posix.mknod(p, Posix.S_IFBLK, h.mode() & 07777, h.devMajor(), h.devMinor());
            case FIFO -> Posix.mknod(p, Posix.S_IFIFO, h.mode() & 07777, 0, 0);
            default -> throw new IOException(describe(h) + ": unsupported entry type " + h.type());
        }
        EntryAttributes.apply(p, h);
        if (h.type() == EntryHeader.Type.DIRECTORY) {
            dirTimes.add(new Object[] {p, h});
        } else {
            EntryAttributes.times(p, h);
        }
        toSync.add(p.getParent());
    }

    /** Sets the directories' times (last, as dockerd does) and fsyncs every directory written. */
    public void finish() throws IOException {
        for (Object[] d : dirTimes) {
            EntryAttributes.times((Path) d[0], (EntryHeader) d[1]);
        }
        toSync.add(diff);
        toSync.stream().distinct().forEach(RootedFs::fsyncDir);
    }

    /** The missing parents of an entry, made 0755 root as dockerd's MkdirAllAndChownNew does. */
    private Path parents(List<byte[]> dirs, EntryHeader h) throws IOException {
        Path p = diff;
        for (byte[] d : dirs) {
            p = child(p, d, h);
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (java.nio.file.NoSuchFileException e) {
                Files.createDirectory(p);
                Posix.chmod(p, 0755);
                Posix.lchown(p, 0, 0);
                toSync.add(p.getParent());
                continue;
            }
            if (!a.isDirectory()) {
                throw new IOException(describe(h) + ": a parent inside the layer is "
                        + (a.isSymbolicLink() ? "a symbolic link" : "not a directory") + " (" + diff.relativize(p) + ")");
            }
        }
        return p;
    }

    /** What already stands at an entry's name goes first, unless both are directories (dockerd's RemoveAll). */
    private static void replaceExisting(Path p, boolean isDir) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return;
        }
        if (a.isDirectory() && isDir) {
            return;
        }
        if (a.isDirectory()) {
            try (var s = Files.walk(p)) {
                for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(x);
                }
            }
        } else {
            Files.delete(p);
        }
    }

    private static Path child(Path parent, byte[] name, EntryHeader h) throws IOException {
        RawPaths.Resolution r = RawPaths.child(parent, name);
        if (r.path() == null || r.ambiguous() || (r.missing() && !RawPaths.exact())) {
            throw new IOException(describe(h) + ": its name cannot be spelled on this JVM (needs exact byte paths)");
        }
        return r.path();
    }

    /** A tar name's components, as Go's filepath.Clean leaves them; a '..' is refused. */
    static List<byte[]> clean(byte[] name) throws IOException {
        List<byte[]> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= name.length; i++) {
            if (i == name.length || name[i] == '/') {
                byte[] c = Arrays.copyOfRange(name, start, i);
                start = i + 1;
                if (c.length == 0 || (c.length == 1 && c[0] == '.')) {
                    continue;
                }
                if (c.length == 2 && c[0] == '.' && c[1] == '.') {
                    throw new IOException("\"" + new String(name, StandardCharsets.UTF_8) + "\" is outside of the layer");
                }
                for (byte b : c) {
                    if (b == 0) {
                        throw new IOException("a name with a NUL byte in the layer");
                    }
                }
                out.add(c);
            }
        }
        return out;
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        return b.length >= prefix.length && Arrays.equals(b, 0, prefix.length, prefix, 0, prefix.length);
    }

    static String describe(EntryHeader h) {
        return "layer entry \"" + new String(h.name(), StandardCharsets.UTF_8) + "\"";
    }

    /** For messages: an xattr the file system refused, which dockerd skips too. */
    static boolean skippable(FileSystemException e) {
        return e instanceof AccessDeniedException || String.valueOf(e.getReason()).contains("Operation not supported");
    }
}
