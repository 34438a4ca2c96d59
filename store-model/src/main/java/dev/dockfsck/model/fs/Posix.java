package dev.dockfsck.model.fs;

import dev.dockfsck.model.foreign.Downcalls;
import dev.dockfsck.model.foreign.Downcalls.C;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The few libc calls a store needs that Java's file API lacks, bound directly (no external tool):
 * extended attributes of every namespace ({@code trusted.overlay.opaque}, {@code security.capability};
 * Java reaches only {@code user.*}), device nodes and FIFOs ({@code mknod}), the set-id and sticky
 * bits, owners and times of an entry without following or opening it (opening a FIFO blocks).
 *
 * <p>Every call takes the path's exact bytes ({@link RawPaths#bytesOf}), never follows a final
 * symbolic link (the {@code l*} variants, {@code AT_SYMLINK_NOFOLLOW}), and turns a failure into
 * an {@link IOException} naming the path and the C error ({@link NoSuchFileException},
 * {@link AccessDeniedException}, {@link FileAlreadyExistsException}, else a
 * {@link FileSystemException} with strerror's text).
 *
 * <p>Needs the JVM flags {@code --add-modules jdk.incubator.foreign --enable-native-access=ALL-UNNAMED}
 * (the launcher passes them); {@link #available()} says whether this JVM has them. Linux, LP64
 * (x86_64, aarch64). One thread's calls do not disturb another's: errno is per thread and
 * each call uses buffers of its own.
 */
public final class Posix {
    /** {@code S_IFMT} and the file types {@code mknod} makes. */
    public static final int S_IFMT = 0170000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFBLK = 0060000;

    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int ENOENT = 2;
    private static final int EACCES = 13;
    private static final int EPERM = 1;
    private static final int EEXIST = 17;
    private static final int ENODATA = 61;
    private static final int ERANGE = 34;

    private static final MethodHandle LSETXATTR = link("lsetxattr", C.INT, C.POINTER, C.POINTER, C.POINTER, C.LONG, C.INT);
    private static final MethodHandle LGETXATTR = link("lgetxattr", C.LONG, C.POINTER, C.POINTER, C.POINTER, C.LONG);
    private static final MethodHandle LLISTXATTR = link("llistxattr", C.LONG, C.POINTER, C.POINTER, C.LONG);
    private static final MethodHandle LREMOVEXATTR = link("lremovexattr", C.INT, C.POINTER, C.POINTER);
    /** glibc 2.33+ exports mknod; older ones only __xmknod(version 0, ...). */
    private static final MethodHandle MKNOD = link("mknod", C.INT, C.POINTER, C.INT, C.LONG);
    private static final MethodHandle XMKNOD = MKNOD != null ? null
            : link("__xmknod", C.INT, C.INT, C.POINTER, C.INT, C.POINTER);
    private static final MethodHandle CHMOD = link("chmod", C.INT, C.POINTER, C.INT);
    private static final MethodHandle LCHOWN = link("lchown", C.INT, C.POINTER, C.INT, C.INT);
    private static final MethodHandle UTIMENSAT = link("utimensat", C.INT, C.INT, C.POINTER, C.POINTER, C.INT);
    private static final MethodHandle SYMLINK = link("symlink", C.INT, C.POINTER, C.POINTER);
    private static final MethodHandle ERRNO_LOCATION = link("__errno_location", C.POINTER);
    private static final MethodHandle STRERROR = link("strerror", C.POINTER, C.INT);

    private Posix() {
    }

    private static MethodHandle link(String symbol, C ret, C... args) {
        return Downcalls.link(symbol, false, ret, args).orElse(null);
    }

    /** Whether this JVM can make these calls (linked, Linux, 64-bit, default file system). */
    public static boolean available() {
        return LSETXATTR != null && LGETXATTR != null && LLISTXATTR != null && LREMOVEXATTR != null
                && (MKNOD != null || XMKNOD != null) && CHMOD != null && LCHOWN != null && UTIMENSAT != null
                && SYMLINK != null && ERRNO_LOCATION != null && "64".equals(System.getProperty("sun.arch.data.model"));
    }

    /** Why not, for messages (empty when available). */
    public static String unavailableReason() {
        if (available()) {
            return "";
        }
        return Downcalls.available() ? "libc lacks a needed call, or the JVM is not 64-bit"
                : "no foreign linker (" + Downcalls.unavailableReason() + "): start the JVM with --add-modules "
                        + "jdk.incubator.foreign --enable-native-access=ALL-UNNAMED, as the launcher does";
    }

    // ------------------------------------------------------------------ extended attributes

    /** The value of one extended attribute of the entry itself (no follow); empty when it has none. */
    public static Optional<byte[]> getXattr(Path p, String name) throws IOException {
        Call c = new Call(p);
        ByteBuffer n = cString(name.getBytes(StandardCharsets.UTF_8));
        int size = 256;
        for (int tries = 0; tries < 8; tries++) {
            ByteBuffer v = ByteBuffer.allocateDirect(size);
            long r = c.longCall(LGETXATTR, Downcalls.addressOf(n), Downcalls.addressOf(v), size);
            if (r >= 0) {
                byte[] out = new byte[(int) r];
                v.get(0, out);
                return Optional.of(out);
            }
            if (c.errno == ENODATA) {
                return Optional.empty();
            }
            if (c.errno != ERANGE) {
                throw c.failure("lgetxattr " + name);
            }
            size = 65536 << tries;
        }
        throw c.failure("lgetxattr " + name);
    }

    /** Every extended attribute of the entry (no follow) this process can read, by name, in listing order. */
    public static Map<String, byte[]> xattrs(Path p) throws IOException {
        Call c = new Call(p);
        Map<String, byte[]> out = new LinkedHashMap<>();
        int size = 1024;
        for (int tries = 0; ; tries++) {
            ByteBuffer list = ByteBuffer.allocateDirect(size);
            long r = c.longCall(LLISTXATTR, Downcalls.addressOf(list), size);
            if (r < 0) {
                if (c.errno == ERANGE && tries < 6) {
                    size *= 8;
                    continue;
                }
                throw c.failure("llistxattr");
            }
            int start = 0;
            for (int i = 0; i < r; i++) {
                if (list.get(i) == 0) {
                    byte[] name = new byte[i - start];
                    list.get(start, name);
                    String s = new String(name, StandardCharsets.UTF_8);
                    getXattr(p, s).ifPresent(v -> out.put(s, v));
                    start = i + 1;
                }
            }
            return out;
        }
    }

    /** Sets one extended attribute on the entry itself (no follow), any namespace. */
    public static void setXattr(Path p, String name, byte[] value) throws IOException {
        Call c = new Call(p);
        ByteBuffer n = cString(name.getBytes(StandardCharsets.UTF_8));
        ByteBuffer v = ByteBuffer.allocateDirect(Math.max(1, value.length));
        v.put(0, value);
        if (c.intCall(LSETXATTR, Downcalls.addressOf(n), Downcalls.addressOf(v), (long) value.length, 0) != 0) {
            throw c.failure("lsetxattr " + name);
        }
    }

    /** Removes one extended attribute of the entry itself; nothing when it has none. */
    public static void removeXattr(Path p, String name) throws IOException {
        Call c = new Call(p);
        ByteBuffer n = cString(name.getBytes(StandardCharsets.UTF_8));
        if (c.intCall(LREMOVEXATTR, Downcalls.addressOf(n)) != 0 && c.errno != ENODATA) {
            throw c.failure("lremovexattr " + name);
        }
    }

    // ------------------------------------------------------------------ nodes, modes, owners, times

    /**
     * Makes a device node or FIFO: {@code type} is {@link #S_IFCHR}, {@link #S_IFBLK} or
     * {@link #S_IFIFO}; {@code perm} its permission bits (cut by the umask, as mknod(2) does: set
     * the exact mode with {@link #chmod} after).
     */
    public static void mknod(Path p, int type, int perm, long major, long minor) throws IOException {
        if (type != S_IFCHR && type != S_IFBLK && type != S_IFIFO) {
            throw new IllegalArgumentException("mknod type " + Integer.toOctalString(type));
        }
        Call c = new Call(p);
        long dev = type == S_IFIFO ? 0 : makedev(major, minor);
        int mode = type | (perm & 07777);
        int rc;
        if (MKNOD != null) {
            rc = c.intCall(MKNOD, mode, dev);
        } else {
            ByteBuffer d = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
            d.putLong(0, dev);
            rc = c.xmknod(mode, Downcalls.addressOf(d));
        }
        if (rc != 0) {
            throw c.failure("mknod");
        }
    }

    /** glibc's makedev. */
    public static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    /** chmod(2) with all twelve bits (set-uid, set-gid, sticky); follows a symbolic link, as chmod does. */
    public static void chmod(Path p, int mode) throws IOException {
        Call c = new Call(p);
        if (c.intCall(CHMOD, mode & 07777) != 0) {
            throw c.failure("chmod");
        }
    }

    /** lchown(2): the owner of the entry itself. */
    public static void lchown(Path p, int uid, int gid) throws IOException {
        Call c = new Call(p);
        if (c.intCall(LCHOWN, uid, gid) != 0) {
            throw c.failure("lchown");
        }
    }

    /** utimensat(2) without following a final symbolic link, and without opening the entry. */
    public static void setTimes(Path p, long atimeSec, int atimeNanos, long mtimeSec, int mtimeNanos) throws IOException {
        Call c = new Call(p);
        ByteBuffer ts = ByteBuffer.allocateDirect(32).order(ByteOrder.nativeOrder());
        ts.putLong(0, atimeSec).putLong(8, atimeNanos).putLong(16, mtimeSec).putLong(24, mtimeNanos);
        if (c.utimensat(Downcalls.addressOf(ts)) != 0) {
            throw c.failure("utimensat");
        }
    }

    /** symlink(2): a symbolic link at {@code p} whose target is exactly {@code target}'s bytes. */
    public static void symlink(byte[] target, Path p) throws IOException {
        Call c = new Call(p);
        ByteBuffer t = cString(target);
        if (c.symlink(Downcalls.addressOf(t)) != 0) {
            throw c.failure("symlink");
        }
    }

    // ------------------------------------------------------------------ plumbing

    private static ByteBuffer cString(byte[] b) {
        for (byte x : b) {
            if (x == 0) {
                throw new IllegalArgumentException("a NUL byte in a C string");
            }
        }
        ByteBuffer bb = ByteBuffer.allocateDirect(b.length + 1);
        bb.put(0, b);
        bb.put(b.length, (byte) 0);
        return bb;
    }

    /** One call on one path: its C string, and the errno it left. */
    private static final class Call {
        private final Path path;
        private final ByteBuffer cPath;
        private final long addr;
        int errno;

        Call(Path p) throws IOException {
            if (!available()) {
                throw new IOException(p + ": " + unavailableReason());
            }
            if (p.getFileSystem() != FileSystems.getDefault()) {
                throw new IOException(p + ": not on the default file system");
            }
            this.path = p;
            this.cPath = cString(RawPaths.bytesOf(p));
            this.addr = Downcalls.addressOf(cPath);
        }

        int intCall(MethodHandle h, long a, long b, long len, int flags) {
            try {
                return done((int) h.invokeExact(addr, a, b, len, flags));
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        int intCall(MethodHandle h, long a) {
            try {
                return done((int) h.invokeExact(addr, a));
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        int intCall(MethodHandle h, int a) {
            try {
                return done((int) h.invokeExact(addr, a));
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        int intCall(MethodHandle h, int a, int b) {
            try {
                return done((int) h.invokeExact(addr, a, b));
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        int intCall(MethodHandle h, int mode, long dev) {
            try {
                return done((int) h.invokeExact(addr, mode, dev));
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        int xmknod(int mode, long devPtr) {
            try {
                return done((int) XMKNOD.invokeExact(0, addr, mode, devPtr));
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        int utimensat(long times) {
            try {
                return done((int) UTIMENSAT.invokeExact(AT_FDCWD, addr, times, AT_SYMLINK_NOFOLLOW));
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        int symlink(long target) {
            try {
                return done((int) SYMLINK.invokeExact(target, addr));
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        long longCall(MethodHandle h, long a, long b, long len) {
            try {
                return done((long) h.invokeExact(addr, a, b, len));
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        long longCall(MethodHandle h, long a, long len) {
            try {
                return done((long) h.invokeExact(addr, a, len));
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        private int done(int rc) {
            errno = rc < 0 ? readErrno() : 0;
            return rc;
        }

        private long done(long rc) {
            errno = rc < 0 ? readErrno() : 0;
            return rc;
        }

        IOException failure(String op) {
            String file = path.toString();
            String why = op + ": " + strerror(errno);
            return switch (errno) {
                case ENOENT -> new NoSuchFileException(file, null, why);
                case EACCES, EPERM -> new AccessDeniedException(file, null, why);
                case EEXIST -> new FileAlreadyExistsException(file, null, why);
                default -> new FileSystemException(file, null, why);
            };
        }
    }

    private static int readErrno() {
        try {
            long loc = (long) ERRNO_LOCATION.invokeExact();
            return Downcalls.readInt(loc);
        } catch (Throwable e) {
            return -1;
        }
    }

    private static String strerror(int errno) {
        if (STRERROR != null && errno > 0) {
            try {
                long s = (long) STRERROR.invokeExact(errno);
                if (s != 0) {
                    return new String(Downcalls.readCString(s), StandardCharsets.UTF_8) + " (errno " + errno + ")";
                }
            } catch (Throwable e) {
                // fall through
            }
        }
        return "errno " + errno;
    }
}
