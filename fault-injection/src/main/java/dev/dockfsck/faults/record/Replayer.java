package dev.dockfsck.faults.record;

import dev.dockfsck.faults.catalogue.FaultApplier;
import dev.dockfsck.model.fs.Posix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

/**
 * Applies recorded ops to a copy of the before-snapshot. A crash state is a list of ops (some
 * writes dropped or shortened, some renames lost): the replayer applies whatever list it is
 * given, in order; an op whose object is not there (its creation was lost) is skipped.
 */
public final class Replayer {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private Replayer() {
    }

    /** Copies {@code rec.before()} to {@code dest} and applies {@code ops}; returns how many were skipped. */
    public static int replay(Recording rec, List<FsOp> ops, Path dest) throws IOException {
        dev.dockfsck.fixtures.dockerd.GoldenStore.copy(rec.before(), dest);
        int skipped = 0;
        for (FsOp op : ops) {
            if (!apply(rec, op, dest)) {
                skipped++;
            }
        }
        return skipped;
    }

    static boolean apply(Recording rec, FsOp op, Path root) throws IOException {
        Path p = RawRel.resolve(root, op.path());
        if (!(op instanceof FsOp.Sync) && !Files.isDirectory(p.getParent(), NOFOLLOW)) {
            return false;
        }
        if (op instanceof FsOp.Create c) {
            if (!Files.exists(p, NOFOLLOW)) {
                Files.createFile(p);
                setMode(p, c.mode());
            }
        } else if (op instanceof FsOp.Write w) {
            if (!Files.isRegularFile(p, NOFOLLOW)) {
                return false;
            }
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, NOFOLLOW)) {
                ch.write(ByteBuffer.wrap(rec.content(w)), w.offset());
            }
        } else if (op instanceof FsOp.Truncate t) {
            if (!Files.isRegularFile(p, NOFOLLOW)) {
                return false;
            }
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, NOFOLLOW)) {
                if (t.length() < ch.size()) {
                    ch.truncate(t.length());
                } else if (t.length() > ch.size()) {
                    ch.write(ByteBuffer.allocate(1), t.length() - 1);
                }
            }
        } else if (op instanceof FsOp.Rename r) {
            Path from = RawRel.resolve(root, r.from());
            if (!Files.exists(from, NOFOLLOW)) {
                return false;
            }
            if (Files.isDirectory(p, NOFOLLOW) && Files.isDirectory(from, NOFOLLOW)) {
                try (var s = Files.list(p)) {
                    if (s.findAny().isEmpty()) {
                        Files.delete(p);
                    }
                }
            }
            Files.move(from, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else if (op instanceof FsOp.Link l) {
            Path from = RawRel.resolve(root, l.from());
            if (!Files.exists(from, NOFOLLOW) || Files.exists(p, NOFOLLOW)) {
                return false;
            }
            Files.createLink(p, from);
        } else if (op instanceof FsOp.Unlink u) {
            if (!Files.exists(p, NOFOLLOW) || Files.isDirectory(p, NOFOLLOW)) {
                return false;
            }
            Files.delete(p);
        } else if (op instanceof FsOp.Mkdir m) {
            try {
                Files.createDirectory(p);
                setMode(p, m.mode());
            } catch (FileAlreadyExistsException e) {
                return false;
            }
        } else if (op instanceof FsOp.Rmdir r) {
            if (!Files.isDirectory(p, NOFOLLOW)) {
                return false;
            }
            try {
                Files.delete(p);
            } catch (java.nio.file.DirectoryNotEmptyException e) {
                // a crash state that lost a child's unlink: what dockerd's rmdir would have met
                FaultApplier.removeTree(p);
            }
        } else if (op instanceof FsOp.Symlink s) {
            if (Files.exists(p, NOFOLLOW)) {
                return false;
            }
            Posix.symlink(s.target().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), p);
        } else if (op instanceof FsOp.Mknod n) {
            if (Files.exists(p, NOFOLLOW)) {
                return false;
            }
            Posix.mknod(p, n.mode() & Posix.S_IFMT, n.mode() & 07777, n.major(), n.minor());
            Posix.chmod(p, n.mode() & 07777);
        } else if (op instanceof FsOp.SetXattr x) {
            if (!Files.exists(p, NOFOLLOW)) {
                return false;
            }
            Posix.setXattr(p, new String(x.name().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), java.nio.charset.StandardCharsets.UTF_8), x.value());
        } else if (op instanceof FsOp.Chmod c) {
            if (!Files.exists(p, NOFOLLOW) || Files.isSymbolicLink(p)) {
                return false;
            }
            setMode(p, c.mode());
        } else if (op instanceof FsOp.Chown c) {
            if (!Files.exists(p, NOFOLLOW)) {
                return false;
            }
            Posix.lchown(p, c.uid(), c.gid());
        } else if (op instanceof FsOp.Sync s) {
            // durability is the generator's business; on a replay it changes nothing
        }
        return true;
    }

    static void setMode(Path p, int mode) throws IOException {
        if ((mode & 07000) != 0) {
            Posix.chmod(p, mode & 07777);
            return;
        }
        Set<PosixFilePermission> perms = PosixFilePermissions.fromString(rwx(mode));
        Files.setPosixFilePermissions(p, perms);
    }

    static String rwx(int mode) {
        String s = "rwxrwxrwx";
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            b.append((mode & (1 << (8 - i))) != 0 ? s.charAt(i) : '-');
        }
        return b.toString();
    }
}
