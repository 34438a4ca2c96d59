package dev.dockfsck.faults.record;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Folds system calls into {@link FsOp}s under one data root: resolves every path (absolute, or
 * relative to the directory descriptor strace printed), keeps what lies under the root, tracks
 * each descriptor's file position for {@code write}/{@code writev}/{@code sendfile}/
 * {@code copy_file_range}, and follows every name to a logical inode through renames (of files and
 * of whole directories), links and unlinks, so that a write's bytes can be read where its inode
 * ends up.
 */
public final class Folder {
    private final String root;
    private final int umask;
    private final List<FsOp> ops = new ArrayList<>();
    private final Map<String, Integer> inodeOfPath = new TreeMap<>();
    private final Map<String, Long> position = new HashMap<>();
    private final Map<String, Integer> skipped = new TreeMap<>();
    private int nextInode = 1;
    /** dirs of an overlay upper (a container's diff/) that exist there: made by an op, or copied up */
    private final java.util.Set<String> upperDirs = new java.util.HashSet<>();
    /** mount points (under the root) of what runc mounts over a container's rootfs: proc, a tmpfs on dev, sysfs, ... */
    private final java.util.Set<String> mountedOver = new java.util.HashSet<>();
    /** each thread's last opened descriptors (fd -> path): runc names a mount target as /proc/self/fd/N */
    private final Map<Long, Map<Long, String>> opened = new HashMap<>();
    /** whether a path of the call being folded was written through a mounted merged/ dir */
    private boolean viaMerged;

    /**
     * The mode of a {@link FsOp.Mkdir} that stands for overlayfs copying a directory of a lower layer
     * up into the upper one (the kernel does it, no call shows it): {@link Recorder#load} gives it
     * the mode and owner the directory has in the after-snapshot.
     */
    public static final int COPY_UP = -1;

    /** {@code root}: the data root's absolute real path; {@code umask}: the writer's (dockerd's). */
    public Folder(String root, int umask) {
        this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
        this.umask = umask;
    }

    /** adds an op unless it lands on a file system mounted over the store (runc's tmpfs on a rootfs' dev/, ...) */
    private void emit(FsOp op) {
        if (!mountedOver.isEmpty() && (hidden(op.path()) || (op instanceof FsOp.Rename r && hidden(r.from()))
                || (op instanceof FsOp.Link l && hidden(l.from())))) {
            skipped.merge("on-a-mount", 1, Integer::sum);
            return;
        }
        ops.add(op);
    }

    private boolean hidden(String rel) {
        for (String m : mountedOver) {
            if (rel.startsWith(m + "/")) {
                return true;
            }
        }
        return false;
    }

    public List<FsOp> ops() {
        return ops;
    }

    /** calls seen under the root that the folder does not model (name -> count) */
    public Map<String, Integer> skipped() {
        return skipped;
    }

    /** Where each logical inode's names are at the end (inode -> names; empty when it was unlinked). */
    public Map<Integer, List<String>> finalNames() {
        Map<Integer, List<String>> out = new HashMap<>();
        inodeOfPath.forEach((p, i) -> out.computeIfAbsent(i, k -> new ArrayList<>()).add(p));
        return out;
    }

    public static List<FsOp> fold(String root, int umask, List<Syscall> calls) {
        Folder f = new Folder(root, umask);
        calls.forEach(f::accept);
        return f.ops();
    }

    private int inode(String rel) {
        return inodeOfPath.computeIfAbsent(rel, k -> nextInode++);
    }

    /** the path relative to the root, or null when it is not under it */
    String rel(String abs) {
        if (abs == null) {
            return null;
        }
        String n = normalize(abs);
        if (!n.startsWith(root + "/")) {
            return null;
        }
        String r = n.substring(root.length() + 1);
        String u = upper(r);
        if (!u.equals(r)) {
            viaMerged = true;
        }
        return u;
    }

    /**
     * A path below a mounted layer's {@code overlay2/<id>/merged/} (dockerd writes a container's
     * init files there, runc its mount points) is written into that layer's upper dir,
     * {@code overlay2/<id>/diff/}: what stays on disk once it is unmounted.
     */
    static String upper(String rel) {
        int a = layerDirEnd(rel);
        if (a < 0 || !rel.startsWith("/merged/", a)) {
            return rel;
        }
        return rel.substring(0, a) + "/diff/" + rel.substring(a + "/merged/".length());
    }

    /** the upper dir a path lies in ({@code overlay2/<id>/diff}), when it was written through merged/ of a container layer */
    private static String upperRoot(String rel) {
        int a = rel == null ? -1 : layerDirEnd(rel);
        return a >= 0 && rel.startsWith("/diff/", a) ? rel.substring(0, a + "/diff".length()) : null;
    }

    /** where {@code overlay2/<id>} ends in a path below it (the index of the '/' after the id), else -1 */
    private static int layerDirEnd(String rel) {
        return rel.startsWith("overlay2/") ? rel.indexOf('/', "overlay2/".length()) : -1;
    }

    /**
     * Before an entry is made in a container layer's upper dir, overlayfs copies each parent that
     * only a lower layer has up into it: an op for each such dir not yet there.
     */
    private void copyUp(String rel, boolean merged) {
        if (rel != null && hidden(rel)) {
            return; // on runc's mounts, not on the upper dir
        }
        String top = merged ? upperRoot(rel) : null;
        if (top == null) {
            if (rel != null && upperRoot(rel) != null) {
                upperDirs.add(rel); // made in diff/ directly (dockerd's create), not through the mount
            }
            return;
        }
        List<String> missing = new ArrayList<>();
        for (String d = rel.substring(0, rel.lastIndexOf('/')); d.length() > top.length(); d = d.substring(0, d.lastIndexOf('/'))) {
            if (upperDirs.contains(d)) {
                break;
            }
            missing.add(0, d);
        }
        for (String d : missing) {
            emit(new FsOp.Mkdir(d, COPY_UP));
            upperDirs.add(d);
        }
    }



    static String normalize(String abs) {
        List<String> parts = new ArrayList<>();
        for (String s : abs.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                }
            } else {
                parts.add(s);
            }
        }
        return "/" + String.join("/", parts);
    }

    /** a path argument, relative to the directory descriptor {@code dirArg} (null: the cwd strace printed with AT_FDCWD) */
    private String at(String dirArg, String pathArg) {
        String p = StraceParser.unquotePath(pathArg);
        if (p.startsWith("/")) {
            return rel(p);
        }
        String base = dirArg == null ? null : StraceParser.fdPath(dirArg);
        return base == null ? null : rel(base + "/" + p);
    }

    private static String key(String fdArg) {
        return StraceParser.fdNumber(fdArg) + "<" + StraceParser.fdPath(fdArg);
    }

    static int mode(String arg) {
        String m = arg.contains("|") ? arg.substring(arg.lastIndexOf('|') + 1) : arg;
        m = m.strip();
        if (m.matches("0[0-7]*")) {
            return Integer.parseInt(m, 8);
        }
        return m.matches("\\d+") ? Integer.parseInt(m) : 0;
    }

    private static long number(String arg) {
        String a = arg.strip();
        if (a.startsWith("[") && a.endsWith("]")) {
            a = a.substring(1, a.length() - 1);
        }
        return a.startsWith("0x") ? Long.parseLong(a.substring(2), 16) : Long.parseLong(a);
    }

    private void write(String fdArg, Long offset, long len) {
        write(fdArg, offset, len, null);
    }

    /** {@code data}: the bytes strace printed (at least {@code len} of them, else they are not kept) */
    private void write(String fdArg, Long offset, long len, byte[] data) {
        String rel = rel(StraceParser.fdPath(fdArg));
        if (rel == null || len <= 0) {
            return;
        }
        String k = key(fdArg);
        long at = offset != null ? offset : position.getOrDefault(k, 0L);
        byte[] kept = data != null && data.length >= len ? java.util.Arrays.copyOf(data, (int) len) : null;
        if (kept == null && data != null) {
            skipped.merge("write-payload-cut", 1, Integer::sum);
        }
        emit(new FsOp.Write(rel, at, len, inode(rel), kept));
        if (offset == null) {
            position.put(k, at + len);
        }
    }

    private void rename(String from, String to) {
        if (from == null || to == null) {
            if (to != null) {
                skipped.merge("rename-into-root", 1, Integer::sum);
            }
            return;
        }
        copyUp(to, viaMerged);
        emit(new FsOp.Rename(from, to));
        // the target name (and anything under it) is replaced
        inodeOfPath.keySet().removeIf(p -> p.equals(to) || p.startsWith(to + "/"));
        Map<String, Integer> moved = new TreeMap<>();
        inodeOfPath.entrySet().removeIf(e -> {
            String p = e.getKey();
            if (p.equals(from)) {
                moved.put(to, e.getValue());
                return true;
            }
            if (p.startsWith(from + "/")) {
                moved.put(to + p.substring(from.length()), e.getValue());
                return true;
            }
            return false;
        });
        inodeOfPath.putAll(moved);
    }

    private void forget(String rel) {
        inodeOfPath.keySet().removeIf(p -> p.equals(rel) || p.startsWith(rel + "/"));
    }

    public void accept(Syscall c) {
        viaMerged = false;
        switch (c.name()) {
            case "open", "openat", "creat" -> {
                if (c.retPath() != null) {
                    opened.computeIfAbsent(c.tid(), t -> new HashMap<>()).put(c.ret(), c.retPath());
                }
                String rel;
                String flags;
                String modeArg;
                if (c.name().equals("openat")) {
                    rel = at(c.arg(0), c.arg(1));
                    flags = c.arg(2);
                    modeArg = c.arg(3);
                } else if (c.name().equals("open")) {
                    rel = at(null, c.arg(0));
                    if (rel == null && !StraceParser.unquotePath(c.arg(0)).startsWith("/")) {
                        rel = rel(c.retPath());
                    }
                    flags = c.arg(1);
                    modeArg = c.arg(2);
                } else {
                    rel = rel(c.retPath());
                    flags = "O_CREAT|O_WRONLY|O_TRUNC";
                    modeArg = c.arg(1);
                }
                if (rel == null) {
                    rel = rel(c.retPath());
                }
                if (rel == null) {
                    return;
                }
                if (flags.contains("O_CREAT")) {
                    copyUp(rel, viaMerged);
                    emit(new FsOp.Create(rel, mode(modeArg) & ~umask, inode(rel)));
                }
                if (flags.contains("O_TRUNC")) {
                    emit(new FsOp.Truncate(rel, 0, inode(rel)));
                }
                position.put(c.ret() + "<" + c.retPath(), 0L);
            }
            case "write" -> write(c.arg(0), null, c.ret(), payload(c.arg(1)));
            case "writev" -> write(c.arg(0), null, c.ret(), iovecs(c.arg(1)));
            case "pwrite64" -> write(c.arg(0), number(c.arg(3)), c.ret(), payload(c.arg(1)));
            case "pwritev", "pwritev2" -> write(c.arg(0), number(c.arg(3)), c.ret(), iovecs(c.arg(1)));
            case "copy_file_range" -> write(c.arg(2), c.arg(3).equals("NULL") ? null : number(c.arg(3)), c.ret());
            case "sendfile", "sendfile64" -> write(c.arg(0), null, c.ret());
            case "splice" -> write(c.arg(2), c.arg(3).equals("NULL") ? null : number(c.arg(3)), c.ret());
            case "lseek" -> {
                if (rel(StraceParser.fdPath(c.arg(0))) != null) {
                    position.put(key(c.arg(0)), c.ret());
                }
            }
            case "close" -> position.remove(key(c.arg(0)));
            case "ftruncate" -> {
                String rel = rel(StraceParser.fdPath(c.arg(0)));
                if (rel != null) {
                    emit(new FsOp.Truncate(rel, number(c.arg(1)), inode(rel)));
                }
            }
            case "truncate" -> {
                String rel = at(null, c.arg(0));
                if (rel != null) {
                    emit(new FsOp.Truncate(rel, number(c.arg(1)), inode(rel)));
                }
            }
            case "rename" -> rename(at(null, c.arg(0)), at(null, c.arg(1)));
            case "renameat", "renameat2" -> rename(at(c.arg(0), c.arg(1)), at(c.arg(2), c.arg(3)));
            case "link", "linkat" -> {
                String from = c.name().equals("link") ? at(null, c.arg(0)) : at(c.arg(0), c.arg(1));
                String to = c.name().equals("link") ? at(null, c.arg(1)) : at(c.arg(2), c.arg(3));
                if (from != null && to != null) {
                    copyUp(to, viaMerged);
                    emit(new FsOp.Link(from, to));
                    inodeOfPath.put(to, inode(from));
                }
            }
            case "unlink", "unlinkat", "rmdir" -> {
                String rel = c.name().equals("unlinkat") ? at(c.arg(0), c.arg(1)) : at(null, c.arg(0));
                if (rel == null) {
                    return;
                }
                boolean dir = c.name().equals("rmdir") || c.arg(2).contains("AT_REMOVEDIR");
                emit(dir ? new FsOp.Rmdir(rel) : new FsOp.Unlink(rel));
                forget(rel);
            }
            case "mkdir", "mkdirat" -> {
                String rel = c.name().equals("mkdir") ? at(null, c.arg(0)) : at(c.arg(0), c.arg(1));
                if (rel != null) {
                    copyUp(rel, viaMerged);
                    emit(new FsOp.Mkdir(rel, mode(c.name().equals("mkdir") ? c.arg(1) : c.arg(2)) & ~umask));
                    if (upperRoot(rel) != null) {
                        upperDirs.add(rel);
                    }
                }
            }
            case "symlink", "symlinkat" -> {
                String rel = c.name().equals("symlink") ? at(null, c.arg(1)) : at(c.arg(1), c.arg(2));
                if (rel != null) {
                    copyUp(rel, viaMerged);
                    emit(new FsOp.Symlink(StraceParser.unquotePath(c.arg(0)), rel));
                    inode(rel);
                }
            }
            case "mknod", "mknodat" -> {
                boolean a = c.name().equals("mknodat");
                String rel = a ? at(c.arg(0), c.arg(1)) : at(null, c.arg(0));
                if (rel != null) {
                    String modeArg = a ? c.arg(2) : c.arg(1);
                    String devArg = a ? c.arg(3) : c.arg(2);
                    int type = modeArg.contains("S_IFCHR") ? 0020000 : modeArg.contains("S_IFBLK") ? 0060000
                            : modeArg.contains("S_IFIFO") ? 0010000 : modeArg.contains("S_IFSOCK") ? 0140000 : 0100000;
                    long[] dev = dev(devArg);
                    copyUp(rel, viaMerged);
                    emit(new FsOp.Mknod(rel, type | (mode(modeArg) & ~umask), dev[0], dev[1]));
                    inode(rel);
                }
            }
            case "setxattr", "lsetxattr", "fsetxattr" -> {
                String rel = c.name().equals("fsetxattr") ? rel(StraceParser.fdPath(c.arg(0))) : at(null, c.arg(0));
                if (rel != null) {
                    byte[] v = StraceParser.unquote(c.arg(2));
                    int size = (int) number(c.arg(3));
                    emit(new FsOp.SetXattr(rel, StraceParser.unquotePath(c.arg(1)), java.util.Arrays.copyOf(v, size)));
                }
            }
            case "chmod", "fchmodat", "fchmod" -> {
                String rel = c.name().equals("fchmod") ? rel(StraceParser.fdPath(c.arg(0)))
                        : c.name().equals("chmod") ? at(null, c.arg(0)) : at(c.arg(0), c.arg(1));
                if (rel != null) {
                    emit(new FsOp.Chmod(rel, mode(c.name().equals("fchmodat") ? c.arg(2) : c.arg(1))));
                }
            }
            case "chown", "lchown", "fchown", "fchownat" -> {
                String rel;
                int i;
                if (c.name().equals("fchown")) {
                    rel = rel(StraceParser.fdPath(c.arg(0)));
                    i = 1;
                } else if (c.name().equals("fchownat")) {
                    rel = at(c.arg(0), c.arg(1));
                    i = 2;
                } else {
                    rel = at(null, c.arg(0));
                    i = 1;
                }
                if (rel != null) {
                    emit(new FsOp.Chown(rel, (int) number(c.arg(i)), (int) number(c.arg(i + 1))));
                }
            }
            case "fsync", "fdatasync" -> {
                String rel = rel(StraceParser.fdPath(c.arg(0)));
                if (rel != null) {
                    emit(new FsOp.Sync(rel, c.name().equals("fsync") ? FsOp.Sync.Kind.FSYNC : FsOp.Sync.Kind.FDATASYNC,
                            inode(rel)));
                }
            }
            case "syncfs", "sync" -> emit(new FsOp.Sync("", FsOp.Sync.Kind.SYNCFS, 0));
            case "mount" -> {
                if (c.args().size() >= 5 && !StraceParser.unquotePath(c.arg(2)).equals("overlay")) {
                    // what runc mounts over the rootfs: writes below it are not on the store's disk
                    String target = StraceParser.unquotePath(c.arg(1));
                    java.util.regex.Matcher fd = java.util.regex.Pattern.compile("/proc/(?:self|\\d+)/fd/(\\d+)").matcher(target);
                    if (fd.matches()) {
                        target = opened.getOrDefault(c.tid(), Map.of()).get(Long.parseLong(fd.group(1)));
                    }
                    String source = c.arg(0).startsWith("\"") ? StraceParser.unquotePath(c.arg(0)) : null;
                    String rel = target == null ? null : rel(target);
                    if (rel != null && !(source != null && normalize(source).equals(normalize(target)))) {
                        mountedOver.add(rel);
                    }
                }
                // an overlay mount: the kernel makes workdir/work (mode 0) on the disk
                if (c.args().size() >= 5 && StraceParser.unquotePath(c.arg(2)).equals("overlay")) {
                    for (String o : StraceParser.unquotePath(c.arg(4)).split(",")) {
                        if (o.startsWith("workdir=")) {
                            String w = o.substring("workdir=".length());
                            String rel = rel(w.startsWith("/") ? w : root + "/overlay2/" + w);
                            if (rel != null && upperDirs.add(rel + "/work")) {
                                emit(new FsOp.Mkdir(rel + "/work", 0));
                            }
                        }
                    }
                }
            }
            default -> {
                String p = c.args().isEmpty() ? null : StraceParser.fdPath(c.arg(0));
                if (rel(p) != null) {
                    skipped.merge(c.name(), 1, Integer::sum);
                }
            }
        }
    }

    /** the bytes of a printed buffer; empty when strace cut it ({@code "..."...}), null when it printed no string */
    static byte[] payload(String arg) {
        if (arg == null || !arg.startsWith("\"")) {
            return null;
        }
        if (!arg.endsWith("\"")) {
            return new byte[0];
        }
        return StraceParser.unquote(arg);
    }

    /** the bytes of a printed iovec array ({@code [{iov_base="..", iov_len=2}, ...]}), in order; empty when cut */
    static byte[] iovecs(String arg) {
        if (arg == null || !arg.startsWith("[") || !arg.endsWith("]")) {
            return null;
        }
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (String e : StraceParser.splitArgs(arg.substring(1, arg.length() - 1))) {
            if (!e.startsWith("{") || !e.endsWith("}")) {
                return new byte[0]; // "..." : more iovecs than printed
            }
            byte[] part = null;
            for (String f : StraceParser.splitArgs(e.substring(1, e.length() - 1))) {
                if (f.startsWith("iov_base=")) {
                    part = payload(f.substring("iov_base=".length()));
                }
            }
            if (part == null || (part.length == 0 && !f0(e).equals("iov_base=\"\""))) {
                return new byte[0];
            }
            b.writeBytes(part);
        }
        return b.toByteArray();
    }

    private static String f0(String iovec) {
        return StraceParser.splitArgs(iovec.substring(1, iovec.length() - 1)).get(0);
    }

    static long[] dev(String arg) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("makedev\\((0x[0-9a-f]+|\\d+),\\s*(0x[0-9a-f]+|\\d+)\\)")
                .matcher(arg);
        return m.find() ? new long[] {number(m.group(1)), number(m.group(2))} : new long[] {0, 0};
    }
}
