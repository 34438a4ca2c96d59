package dev.dockfsck.checker.deep;

import dev.dockfsck.model.fs.Posix;
import dev.dockfsck.model.fs.RawPaths;
import dev.dockfsck.model.hash.Sha256Engine;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.tarsplit.Crc64;
import dev.dockfsck.model.tarsplit.TarSplitException;
import dev.dockfsck.model.tarsplit.TarSplitNames;
import dev.dockfsck.model.tarsplit.TarSplitReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Deep verification of a layer's content: re-assembles the exact layer tar from its tar-split
 * (segments verbatim, each file of size &gt; 0 streamed from {@code diff/<name>}) into one
 * SHA-256 and compares it with the DiffID, as {@code docker save} would rebuild it.
 *
 * <p>The first pass only hashes (and notes files that are missing, of the wrong size or not
 * regular files). Only when the digest differs does a second pass compute the CRC-64 of every
 * remaining file, to name those whose content differs at the same size; a healthy layer is read
 * once at SHA-256 speed.
 *
 * <p>Nothing is read through a link: every name is resolved component by component below
 * diff/ with lstat; a symlink, device, FIFO or directory where a file or parent directory is
 * expected is damage, never followed. Absolute names and {@code ..} are never read.
 *
 * <p>An instance holds one 1 MiB buffer and one SHA-256 state and is not thread-safe: use one per
 * thread, or {@link #verifyAll}.
 */
public final class LayerVerifier {
    public static final int BUFFER_SIZE = 1 << 20;
    private static final long PROGRESS_STEP = 16L << 20;

    /** Receives progress: content bytes read so far, and the expected total (0 when unknown). */
    @FunctionalInterface
    public interface Progress {
        /** Called from worker threads, at most every 16 MiB and at the end of each layer. */
        void update(long bytesDone, long bytesTotal);
    }

    private final Sha256Engine sha;
    private final Counter counter;
    /** Heap buffer for the CRC-64 pass, allocated on the first mismatch. */
    private byte[] crcBuf;
    private ByteBuffer crcBB;

    /** A verifier with the fastest SHA-256 of this JVM ({@link Sha256Engine#create(int)}). */
    public LayerVerifier() {
        this(Sha256Engine.create(BUFFER_SIZE), null);
    }

    /** A verifier hashing with {@code engine} (whose buffer it reads files into). */
    public LayerVerifier(Sha256Engine engine) {
        this(engine, null);
    }

    private LayerVerifier(Sha256Engine engine, Counter counter) {
        this.sha = engine;
        this.counter = counter;
    }

    /**
     * Verifies many layers on {@code jobs} threads (each with its own buffer); results in chainID
     * order whatever the scheduling. Larger layers (by {@link LayerJob#sizeHint()}) start first.
     *
     * @param jobs     0 or less means one thread per available processor
     * @param progress may be null
     */
    public static List<LayerVerification> verifyAll(List<LayerJob> layers, int jobs, Progress progress) {
        List<LayerJob> ordered = new ArrayList<>(layers);
        ordered.sort(Comparator.comparing(LayerJob::chainId));
        int n = ordered.size();
        LayerVerification[] results = new LayerVerification[n];
        Integer[] schedule = new Integer[n];
        for (int i = 0; i < n; i++) {
            schedule[i] = i;
        }
        java.util.Arrays.sort(schedule, Comparator.comparingLong((Integer i) -> -ordered.get(i).sizeHint()));
        long total = 0;
        for (LayerJob j : ordered) {
            total += Math.max(0, j.sizeHint());
        }
        Counter counter = new Counter(progress, total);
        int threads = Math.max(1, Math.min(jobs <= 0 ? Runtime.getRuntime().availableProcessors() : jobs, Math.max(1, n)));
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable work = () -> {
            LayerVerifier v = new LayerVerifier(Sha256Engine.create(BUFFER_SIZE), counter);
            int k;
            while (failure.get() == null && (k = next.getAndIncrement()) < n) {
                int idx = schedule[k];
                try {
                    results[idx] = v.verify(ordered.get(idx));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }
        };
        if (threads == 1) {
            work.run();
        } else {
            List<Thread> ts = new ArrayList<>(threads);
            for (int t = 0; t < threads; t++) {
                Thread th = new Thread(work, "dockfsck-deep-" + t);
                th.setDaemon(true);
                ts.add(th);
                th.start();
            }
            for (Thread th : ts) {
                try {
                    th.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure.compareAndSet(null, e);
                }
            }
        }
        if (failure.get() != null) {
            throw new IllegalStateException("deep verification failed: " + failure.get(), failure.get());
        }
        counter.flush();
        return List.of(results);
    }

    /** Verifies one layer. Never throws for damage: every finding is in the result. */
    public LayerVerification verify(LayerJob job) {
        Pass1 p1 = new Pass1(job);
        LayerVerification.Outcome outcome;
        TarSplitException err;
        try (TarSplitReader r = TarSplitReader.open(job.tarSplit())) {
            p1.run(r);
            err = null;
        } catch (TarSplitException e) {
            err = e;
        } catch (IOException e) {
            err = null; // close failed after a full read: irrelevant
        }
        if (counter != null) {
            counter.layerDone(p1.contentBytes, job.sizeHint());
        }
        if (err != null) {
            outcome = err.kind() == TarSplitException.Kind.UNREADABLE && p1.entries == 0 && !isRegular(job.tarSplit())
                    ? LayerVerification.Outcome.TAR_SPLIT_MISSING : LayerVerification.Outcome.TAR_SPLIT_CORRUPT;
            return new LayerVerification(job, outcome, null, p1.damaged, err, p1.tarBytes, p1.contentBytes, p1.entries,
                    p1.damagedEntries);
        }
        Digest actual = sha.digest();
        if (actual.equals(job.diffId())) {
            return new LayerVerification(job, LayerVerification.Outcome.VERIFIED, actual, List.of(), null,
                    p1.tarBytes, p1.contentBytes, p1.entries, p1.damagedEntries);
        }
        List<DamagedFile> damaged = p1.damaged;
        try (TarSplitReader r = TarSplitReader.open(job.tarSplit())) {
            damaged = new Pass2(job, p1.damaged).run(r);
        } catch (TarSplitException | IOException e) {
            // changed under us between passes: report what the first pass found
        }
        return new LayerVerification(job, LayerVerification.Outcome.CONTENT_MISMATCH, actual, damaged, null,
                p1.tarBytes, p1.contentBytes, p1.entries, p1.damagedEntries);
    }

    private static boolean isRegular(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isRegularFile();
        } catch (IOException e) {
            return false;
        }
    }

    // ------------------------------------------------------------------------------------------

    /** A file of the tar-split, resolved safely below diff/. */
    private static final class Opened {
        Path path;
        long size;
        DamageKind kind; // null when a regular file (or, for any type, an entry) was found
        String detail;
        BasicFileAttributes attrs;
    }

    /**
     * Resolves names below diff/ one component at a time, without following links, caching the
     * verdict of each directory prefix (tar order keeps siblings together).
     */
    private static final class Resolver {
        private final Path root;
        private final Map<String, Path> goodDirs = new HashMap<>();
        private final Map<String, Opened> badDirs = new HashMap<>();
        /** The directory of the last file resolved, and its name prefix (through the last '/'). */
        private Path lastParent;
        private byte[] lastParentBytes = new byte[256];
        private int lastParentLen = -1;

        Resolver(Path diffDir) {
            this.root = diffDir;
        }

        /** Fills {@code o} for {@code name}, which must be a regular file; returns it. */
        Opened resolve(byte[] name, Opened o) {
            return resolve(name, o, false);
        }

        /**
         * Fills {@code o} for {@code name}; with {@code anyType} the entry may be of any type
         * (its attributes are in {@code o.attrs}), else it must be a regular file.
         */
        Opened resolve(byte[] name, Opened o, boolean anyType) {
            o.path = null;
            o.size = -1;
            o.kind = null;
            o.detail = "";
            o.attrs = null;
            if (name.length > 0 && name[0] == '/') {
                return bad(o, DamageKind.UNSAFE_NAME, "an absolute name");
            }
            // fast path: a sibling of the previous file (tar order keeps them together); its
            // directory prefix is byte-identical to one already checked, so only the last
            // component needs looking at
            if (lastParent != null && lastParentLen < name.length && name[name.length - 1] != '/'
                    && (lastParentLen == 0 || name[lastParentLen - 1] == '/')
                    && java.util.Arrays.equals(lastParentBytes, 0, lastParentLen, name, 0, lastParentLen)
                    && plainComponent(name, lastParentLen)) {
                return last(lastParent, name, lastParentLen, name.length, o, anyType);
            }
            // split into components, dropping empty ones and "."
            int start = 0;
            int lastStart = -1;
            int lastEnd = -1;
            List<int[]> comps = null;
            for (int i = 0; i <= name.length; i++) {
                if (i == name.length || name[i] == '/') {
                    int len = i - start;
                    if (len > 0 && !(len == 1 && name[start] == '.')) {
                        if (len == 2 && name[start] == '.' && name[start + 1] == '.') {
                            return bad(o, DamageKind.UNSAFE_NAME, "a '..' component");
                        }
                        if (lastStart >= 0) {
                            if (comps == null) {
                                comps = new ArrayList<>(4);
                            }
                            comps.add(new int[] {lastStart, lastEnd});
                        }
                        lastStart = start;
                        lastEnd = i;
                    }
                    start = i + 1;
                } else if (name[i] == 0) {
                    return bad(o, DamageKind.UNSAFE_NAME, "a NUL byte");
                }
            }
            if (lastStart < 0) {
                return bad(o, DamageKind.UNSAFE_NAME, "an empty name");
            }
            Path parent = root;
            String key = "";
            if (lastParent != null && lastParentLen == lastStart
                    && java.util.Arrays.equals(lastParentBytes, 0, lastStart, name, 0, lastStart)) {
                parent = lastParent; // the previous file's directory: tar order keeps siblings together
                comps = null;
            } else {
                Opened rootBad = checkDir("", root, "diff/");
                if (rootBad != null) {
                    return copy(rootBad, o);
                }
            }
            if (comps != null) {
                StringBuilder sb = new StringBuilder();
                for (int[] c : comps) {
                    if (sb.length() > 0) {
                        sb.append('/');
                    }
                    for (int i = c[0]; i < c[1]; i++) {
                        sb.append((char) (name[i] & 0xff));
                    }
                    key = sb.toString();
                    Path good = goodDirs.get(key);
                    if (good != null) {
                        parent = good;
                        continue;
                    }
                    Opened b = badDirs.get(key);
                    if (b != null) {
                        return copy(b, o);
                    }
                    RawPaths.Resolution res = RawPaths.child(parent, java.util.Arrays.copyOfRange(name, c[0], c[1]));
                    String display = TarSplitNames.display(key.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    if (res.path() == null) {
                        Opened bad = new Opened();
                        if (res.ambiguous()) {
                            bad(bad, DamageKind.UNREADABLE, "parent " + display + ": non-UTF-8 name ambiguous without exact paths");
                        } else {
                            bad(bad, DamageKind.MISSING, "parent " + display + " is missing");
                        }
                        badDirs.put(key, bad);
                        return copy(bad, o);
                    }
                    Opened bad = checkDir(key, res.path(), "parent " + display);
                    if (bad != null) {
                        return copy(bad, o);
                    }
                    parent = res.path();
                }
            }
            lastParent = parent;
            lastParentLen = lastStart;
            if (lastParentBytes.length < lastStart) {
                lastParentBytes = new byte[Math.max(lastStart, 2 * lastParentBytes.length)];
            }
            System.arraycopy(name, 0, lastParentBytes, 0, lastStart);
            return last(parent, name, lastStart, lastEnd, o, anyType);
        }

        /** Whether name[from..] is one component: no '/', no NUL, not "." or "..", not empty. */
        private static boolean plainComponent(byte[] name, int from) {
            int len = name.length - from;
            if (len <= 0 || (name[from] == '.' && (len == 1 || (len == 2 && name[from + 1] == '.')))) {
                return false;
            }
            for (int i = from; i < name.length; i++) {
                if (name[i] == '/' || name[i] == 0) {
                    return false;
                }
            }
            return true;
        }

        /** Resolves and lstat()s the last component name[start, end) in {@code parent}. */
        private Opened last(Path parent, byte[] name, int start, int end, Opened o, boolean anyType) {
            RawPaths.Resolution res = RawPaths.child(parent, java.util.Arrays.copyOfRange(name, start, end));
            if (res.path() == null) {
                return res.ambiguous()
                        ? bad(o, DamageKind.UNREADABLE, "non-UTF-8 name ambiguous without exact paths (see docs/java-on-the-store.md)")
                        : bad(o, DamageKind.MISSING, "");
            }
            Path p = res.path();
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return bad(o, DamageKind.MISSING, "");
            } catch (IOException | RuntimeException e) {
                return bad(o, DamageKind.UNREADABLE, String.valueOf(e.getMessage()));
            }
            if (!anyType && !a.isRegularFile()) {
                return bad(o, DamageKind.NOT_REGULAR, describe(p, a));
            }
            o.path = p;
            o.size = a.size();
            o.attrs = a;
            return o;
        }

        /** Null when {@code p} is a real directory (caching it), else the damage for files below it. */
        private Opened checkDir(String key, Path p, String what) {
            if (goodDirs.containsKey(key)) {
                return null;
            }
            Opened known = badDirs.get(key);
            if (known != null) {
                return known;
            }
            Opened bad = new Opened();
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isDirectory()) {
                    goodDirs.put(key, p);
                    return null;
                }
                bad(bad, DamageKind.NOT_REGULAR, what + " is " + describe(p, a));
            } catch (NoSuchFileException e) {
                bad(bad, DamageKind.MISSING, what + " is missing");
            } catch (IOException | RuntimeException e) {
                bad(bad, DamageKind.UNREADABLE, what + ": " + e.getMessage());
            }
            badDirs.put(key, bad);
            return bad;
        }

        private static Opened copy(Opened from, Opened to) {
            to.path = null;
            to.size = -1;
            to.kind = from.kind;
            to.detail = from.detail;
            return to;
        }

        private static Opened bad(Opened o, DamageKind k, String detail) {
            o.path = null;
            o.size = -1;
            o.kind = k;
            o.detail = detail;
            return o;
        }
    }

    /** "a symbolic link to x", "a directory", "a FIFO", ... */
    static String describe(Path p, BasicFileAttributes a) {
        if (a.isSymbolicLink()) {
            String target;
            try {
                target = Files.readSymbolicLink(p).toString();
            } catch (IOException | RuntimeException e) {
                target = "?";
            }
            return "a symbolic link to " + target;
        }
        if (a.isDirectory()) {
            return "a directory";
        }
        if (a.isRegularFile()) {
            return "a regular file";
        }
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            switch (mode & 0170000) {
                case 0010000:
                    return "a FIFO";
                case 0020000:
                    return "a character device";
                case 0060000:
                    return "a block device";
                case 0140000:
                    return "a socket";
                default:
                    break;
            }
        } catch (IOException | RuntimeException e) {
            // unknown then
        }
        return "not a regular file";
    }

    /** First pass: SHA-256 of the re-assembled tar; notes structural damage. */
    private final class Pass1 {
        final LayerJob job;
        final Resolver resolver;
        final List<DamagedFile> damaged = new ArrayList<>();
        /** Entries without content (directories, links, empty files, FIFOs) missing or of another type. */
        final List<DamagedFile> damagedEntries = new ArrayList<>();
        final Opened o = new Opened();
        /**
         * The raw segments since the previous file entry: its padding, then this entry's header
         * blocks (PAX and GNU ones first), ending in its own ustar header. Past PRE_MAX bytes only
         * the last 512 are kept ({@code preLost}), enough for the type check.
         */
        byte[] pre = new byte[4096];
        int preLen;
        boolean preLost;
        /** Directories (normalized names) that carry trusted.overlay.opaque on disk, and those an opaque marker names. */
        final Map<String, long[]> opaqueOnDisk = new java.util.LinkedHashMap<>();
        final Map<String, String> opaqueShown = new HashMap<>();
        final java.util.Set<String> opaqueMarked = new java.util.HashSet<>();
        final boolean xattrsReadable;
        long tarBytes;
        long contentBytes;
        long entries;

        Pass1(LayerJob job) {
            this.job = job;
            this.resolver = new Resolver(job.diffDir());
            this.xattrsReadable = Posix.available() && job.diffDir().getFileSystem() == FileSystems.getDefault();
            sha.reset();
        }

        void run(TarSplitReader r) throws TarSplitException {
            // the body is a method of its own: a loop run once per layer is never hot enough for
            // C1 to compile, a method called once per entry is compiled after a few hundred
            while (r.next()) {
                entry(r);
            }
            // a directory made opaque on disk that no opaque marker of the layer names hides
            // the layers below it where the image shows them
            for (Map.Entry<String, long[]> e : opaqueOnDisk.entrySet()) {
                if (!opaqueMarked.contains(e.getKey())) {
                    metadata(opaqueShown.get(e.getKey()), e.getValue()[0], 0, EntryType.DIRECTORY.key(), "xattr",
                            OPAQUE, null, b64(new byte[] {'y'}));
                }
            }
        }

        private void entry(TarSplitReader r) {
            entries++;
            if (r.isSegment()) {
                int len = r.payloadLength();
                sha.update(r.payloadBuffer(), 0, len);
                tarBytes += len;
                keepHeader(r.payloadBuffer(), len);
                return;
            }
            long expected = r.size();
            EntryHeader meta = preLost ? null : EntryHeader.parse(pre, preLen);
            if (expected == 0) {
                checkEntry(r, meta);
                preLen = 0;
                preLost = false;
                return;
            }
            preLen = 0;
            preLost = false;
            resolver.resolve(r.nameBytes(), o);
            if (o.kind != null) {
                damaged.add(new DamagedFile(r.displayName(), o.kind, expected, -1, o.detail, r.index()));
                return;
            }
            if (meta != null && meta.typeflag() != '1') {
                checkMetadata(r.displayName(), r.index(), expected, "file", meta, o.path, o.attrs);
            }
            long n = hash(o.path, o.size, expected);
            if (n < 0) {
                damaged.add(new DamagedFile(r.displayName(), DamageKind.UNREADABLE, expected, o.size, readError, r.index()));
                return;
            }
            tarBytes += n;
            if (n != expected) {
                damaged.add(new DamagedFile(r.displayName(), DamageKind.WRONG_SIZE, expected, n, "", r.index()));
            }
        }

        private String readError = "";

        private void keepHeader(byte[] b, int len) {
            if (len <= 0) {
                return;
            }
            if (preLost || preLen + len > PRE_MAX) {
                preLost = true;
                if (len >= 512) {
                    System.arraycopy(b, len - 512, pre, 0, 512);
                    preLen = 512;
                } else {
                    int keep = Math.min(preLen, 512 - len);
                    System.arraycopy(pre, preLen - keep, pre, 0, keep);
                    System.arraycopy(b, 0, pre, keep, len);
                    preLen = keep + len;
                }
                return;
            }
            if (preLen + len > pre.length) {
                pre = java.util.Arrays.copyOf(pre, Math.max(preLen + len, 2 * pre.length));
            }
            System.arraycopy(b, 0, pre, preLen, len);
            preLen += len;
        }

        /** One metadata difference of an entry, as a damaged entry of kind metadata. */
        private void metadata(String name, long index, long size, String type, String field, String xattr,
                              String expected, String actual) {
            Map<String, Object> f = new java.util.LinkedHashMap<>();
            f.put("field", field);
            if (xattr != null) {
                f.put("xattr", xattr);
            }
            f.put("expected_value", expected);
            f.put("actual_value", actual);
            String what = xattr == null ? field : "xattr " + xattr;
            String detail = what + ": expected " + (expected == null ? "none" : shown(field, expected))
                    + ", found " + (actual == null ? "none" : shown(field, actual));
            damagedEntries.add(new DamagedFile(name, DamageKind.METADATA, size, -1, detail, index, type, f));
        }

        /**
         * Compares what dockerd's extraction (pkg/archive createTarFile) sets from the header with
         * the entry on disk (lstat, no follow): the mode's 12 bits (not for symbolic links, which
         * it does not chmod), owner, a symbolic link's target, device numbers, and extended
         * attributes (SCHILY.xattr records). Hard links are not compared: they are their target's inode.
         */
        private void checkMetadata(String name, long index, long size, String type, EntryHeader h, Path p,
                                   BasicFileAttributes a) {
            Map<String, Object> ua;
            try {
                ua = Files.readAttributes(p, "unix:mode,uid,gid,rdev", LinkOption.NOFOLLOW_LINKS);
            } catch (IOException | RuntimeException e) {
                return; // no unix view (another file system) or gone: nothing sure to compare
            }
            boolean symlink = a.isSymbolicLink();
            int mode = ((Number) ua.get("mode")).intValue();
            if (!symlink && (mode & 07777) != h.mode()) {
                metadata(name, index, size, type, "mode", null, octal(h.mode()), octal(mode & 07777));
            }
            long uid = ((Number) ua.get("uid")).longValue();
            long gid = ((Number) ua.get("gid")).longValue();
            if (uid != h.uid()) {
                metadata(name, index, size, type, "uid", null, Long.toString(h.uid()), Long.toString(uid));
            }
            if (gid != h.gid()) {
                metadata(name, index, size, type, "gid", null, Long.toString(h.gid()), Long.toString(gid));
            }
            if (symlink) {
                byte[] target;
                try {
                    target = RawPaths.bytesOf(Files.readSymbolicLink(p));
                } catch (IOException | RuntimeException e) {
                    target = null;
                }
                if (target != null && !java.util.Arrays.equals(target, h.linkname())) {
                    metadata(name, index, size, type, "link_target", null, TarSplitNames.display(h.linkname()),
                            TarSplitNames.display(target));
                }
            }
            if (h.typeflag() == '3' || h.typeflag() == '4') {
                long rdev = ((Number) ua.get("rdev")).longValue();
                long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
                long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
                if (major != h.devMajor() || minor != h.devMinor()) {
                    metadata(name, index, size, type, "device", null, h.devMajor() + "," + h.devMinor(), major + "," + minor);
                }
            }
            checkXattrs(name, index, size, type, h, p, symlink, a.isDirectory());
        }

        private void checkXattrs(String name, long index, long size, String type, EntryHeader h, Path p,
                                 boolean symlink, boolean dir) {
            if (!xattrsReadable) {
                return;
            }
            Map<String, byte[]> disk;
            try {
                disk = Posix.xattrs(p);
            } catch (IOException | RuntimeException e) {
                return;
            }
            for (Map.Entry<String, byte[]> e : h.xattrs().entrySet()) {
                if (symlink && e.getKey().startsWith("user.")) {
                    continue; // Linux refuses user.* on symbolic links; dockerd ignores that refusal
                }
                byte[] v = disk.get(e.getKey());
                if (v == null || !java.util.Arrays.equals(v, e.getValue())) {
                    metadata(name, index, size, type, "xattr", e.getKey(), b64(e.getValue()), v == null ? null : b64(v));
                }
            }
            for (Map.Entry<String, byte[]> e : disk.entrySet()) {
                String k = e.getKey();
                if (h.xattrs().containsKey(k)) {
                    continue;
                }
                if (dir && k.equals(OPAQUE)) {
                    String key = dirKey(name);
                    opaqueOnDisk.putIfAbsent(key, new long[] {index});
                    opaqueShown.putIfAbsent(key, name);
                    continue; // judged against the layer's opaque markers at its end
                }
                if (k.equals("security.selinux") || k.startsWith("trusted.overlay.")) {
                    continue; // the security module's label, and overlayfs' own bookkeeping
                }
                metadata(name, index, size, type, "xattr", k, null, b64(e.getValue()));
            }
        }

        /**
         * A whiteout {@code .wh.<x>}: overlay2 extracts it as a character device 0/0 named x,
         * owned as the header says; an opaque marker {@code .wh..wh..opq}: the xattr
         * trusted.overlay.opaque=y on its directory, and no file.
         */
        private void checkWhiteout(TarSplitReader r, EntryHeader h) {
            byte[] name = r.nameBytes();
            int end = name.length;
            while (end > 0 && name[end - 1] == '/') {
                end--;
            }
            int start = end;
            while (start > 0 && name[start - 1] != '/') {
                start--;
            }
            boolean opaque = end - start == OPAQUE_MARKER.length()
                    && new String(name, start, end - start, java.nio.charset.StandardCharsets.ISO_8859_1).equals(OPAQUE_MARKER);
            if (!opaque && (end - start <= 4 || (end - start >= 8 && name[start + 4] == '.' && name[start + 5] == 'w'
                    && name[start + 6] == 'h' && name[start + 7] == '.'))) {
                return; // ".wh." alone, or another ".wh..wh." name (aufs' own): nothing overlay2 makes of it
            }
            if (opaque) {
                byte[] dirName = java.util.Arrays.copyOf(name, start);
                String shown = TarSplitNames.display(dirName);
                String key = dirKey(shown);
                opaqueMarked.add(key);
                if (!xattrsReadable) {
                    return;
                }
                Path dir;
                if (isRoot(dirName)) {
                    dir = job.diffDir();
                } else {
                    resolver.resolve(dirName, o, true);
                    if (o.kind != null || !o.attrs.isDirectory()) {
                        return; // the directory's own entry reports it
                    }
                    dir = o.path;
                }
                Optional<byte[]> v;
                try {
                    v = Posix.getXattr(dir, OPAQUE);
                } catch (IOException | RuntimeException e) {
                    return;
                }
                if (v.isEmpty() || !java.util.Arrays.equals(v.get(), new byte[] {'y'})) {
                    metadata(shown.isEmpty() ? "." : shown, r.index(), 0, EntryType.DIRECTORY.key(), "xattr", OPAQUE,
                            b64(new byte[] {'y'}), v.map(LayerVerifier::b64).orElse(null));
                }
                return;
            }
            byte[] target = new byte[start + (end - start - 4)];
            System.arraycopy(name, 0, target, 0, start);
            System.arraycopy(name, start + 4, target, start, end - start - 4);
            String shown = TarSplitNames.display(target);
            resolver.resolve(target, o, true);
            if (o.kind != null) {
                damagedEntries.add(new DamagedFile(shown, o.kind, 0, -1, "expected " + WHITEOUT_LABEL
                        + (o.detail.isEmpty() ? "" : "; " + o.detail), r.index(), "whiteout"));
                return;
            }
            Map<String, Object> ua;
            try {
                ua = Files.readAttributes(o.path, "unix:mode,uid,gid,rdev", LinkOption.NOFOLLOW_LINKS);
            } catch (IOException | RuntimeException e) {
                return;
            }
            int mode = ((Number) ua.get("mode")).intValue();
            if ((mode & 0170000) != 0020000 || ((Number) ua.get("rdev")).longValue() != 0) {
                String found = (mode & 0170000) == 0020000 ? "a character device " + ua.get("rdev") : describe(o.path, o.attrs);
                damagedEntries.add(new DamagedFile(shown, DamageKind.WRONG_TYPE, 0, o.attrs.isRegularFile() ? o.attrs.size() : -1,
                        "expected " + WHITEOUT_LABEL + ", found " + found, r.index(), "whiteout"));
                return;
            }
            if (h != null) {
                long uid = ((Number) ua.get("uid")).longValue();
                long gid = ((Number) ua.get("gid")).longValue();
                if (uid != h.uid()) {
                    metadata(shown, r.index(), 0, "whiteout", "uid", null, Long.toString(h.uid()), Long.toString(uid));
                }
                if (gid != h.gid()) {
                    metadata(shown, r.index(), 0, "whiteout", "gid", null, Long.toString(h.gid()), Long.toString(gid));
                }
            }
        }

        /** A device node: dockerd skips those it may not make (in a user namespace), so only one that is there is compared. */
        private void checkDevice(TarSplitReader r, EntryHeader h) {
            resolver.resolve(r.nameBytes(), o, true);
            if (o.kind != null || h == null) {
                return;
            }
            String type = h.typeflag() == '3' ? "char_device" : "block_device";
            String found = describe(o.path, o.attrs);
            String want = h.typeflag() == '3' ? "a character device" : "a block device";
            if (!found.equals(want)) {
                metadata(r.displayName(), r.index(), 0, type, "type", null, type, found);
                return;
            }
            checkMetadata(r.displayName(), r.index(), 0, type, h, o.path, o.attrs);
        }

        /**
         * An entry without content: the tar-split proves nothing about it (docker save takes its
         * header from the tar-split), so check that diff/ holds it with the type its header gives.
         * Device nodes are left alone (dockerd skips them where it may not create them), and so
         * are whiteouts and opaque markers (overlay2 turns them into other things on disk).
         */
        private void checkEntry(TarSplitReader r, EntryHeader meta) {
            int h = preLen - 512;
            if (h < 0 || pre[h + 257] != 'u' || pre[h + 258] != 's' || pre[h + 259] != 't' || pre[h + 260] != 'a'
                    || pre[h + 261] != 'r') {
                return; // not a ustar header where one is due: nothing sure to compare with
            }
            byte typeflag = pre[h + 156];
            EntryType want = EntryType.of(typeflag);
            byte[] name = r.nameBytes();
            if (isRoot(name)) {
                return;
            }
            if (isWhiteout(name)) {
                checkWhiteout(r, meta);
                return;
            }
            if (typeflag == '3' || typeflag == '4') {
                checkDevice(r, meta);
                return;
            }
            if (want == null) {
                return;
            }
            if (typeflag == 0 && name[name.length - 1] == '/') {
                want = EntryType.DIRECTORY; // an old-style directory, as Go's archive/tar reads it
            }
            resolver.resolve(name, o, true);
            if (o.kind != null) {
                damagedEntries.add(new DamagedFile(r.displayName(), o.kind, 0, -1,
                        ("expected " + want.label + (o.detail.isEmpty() ? "" : "; " + o.detail)), r.index(), want.key()));
                return;
            }
            BasicFileAttributes a = o.attrs;
            String found = want.matches(o.path, a);
            if (found != null) {
                damagedEntries.add(new DamagedFile(r.displayName(), DamageKind.WRONG_TYPE, 0, a.isRegularFile() ? a.size() : -1,
                        "expected " + want.label + ", found " + found, r.index(), want.key()));
                return;
            }
            if (meta != null && want != EntryType.HARD_LINK) {
                checkMetadata(r.displayName(), r.index(), 0, want.key(), meta, o.path, a);
            }
        }

        /**
         * Streams the whole file into the digest (as io.Copy does); bytes read, or -1 on error.
         * {@code size} is the lstat size: when that many bytes have been read, one more read
         * only confirms EOF for files that did not grow, so it is skipped when the size is as expected.
         */
        private long hash(Path p, long size, long expected) {
            long n = 0;
            ByteBuffer bb = sha.buffer();
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                while (true) {
                    int k = ch.read(bb);
                    if (k < 0) {
                        break;
                    }
                    n += k;
                    contentBytes += k;
                    if (counter != null && k > 0) {
                        counter.add(k);
                    }
                    sha.flushIfFull();
                    if (n == expected && size == expected) {
                        break; // all of it, and lstat said no more: skip the read that would return EOF
                    }
                }
                return n;
            } catch (AccessDeniedException e) {
                readError = "permission denied";
            } catch (IOException | RuntimeException e) {
                readError = String.valueOf(e.getMessage());
            }
            // count what was hashed: the digest is already off, which is what the verdict needs
            tarBytes += n;
            return -1;
        }
    }

    /** Second pass (only after a mismatch): CRC-64 of every file the first pass did not flag. */
    private final class Pass2 {
        final Resolver resolver;
        final List<DamagedFile> first;
        final Opened o = new Opened();

        Pass2(LayerJob job, List<DamagedFile> first) {
            this.resolver = new Resolver(job.diffDir());
            this.first = first;
        }

        List<DamagedFile> run(TarSplitReader r) throws TarSplitException {
            List<DamagedFile> out = new ArrayList<>(first);
            java.util.Set<Long> flagged = new java.util.HashSet<>();
            for (DamagedFile d : first) {
                flagged.add(d.entryIndex());
            }
            while (r.next()) {
                if (!r.isFile() || r.size() == 0 || flagged.contains(r.index())) {
                    continue;
                }
                resolver.resolve(r.nameBytes(), o);
                if (o.kind != null) {
                    // changed since the first pass
                    out.add(new DamagedFile(r.displayName(), o.kind, r.size(), -1, o.detail, r.index()));
                    continue;
                }
                long crc = 0;
                long n = 0;
                if (crcBuf == null) {
                    crcBuf = new byte[BUFFER_SIZE];
                    crcBB = ByteBuffer.wrap(crcBuf);
                }
                ByteBuffer bb = crcBB;
                try (FileChannel ch = FileChannel.open(o.path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                    bb.clear();
                    while (ch.read(bb) >= 0) {
                        int k = bb.position();
                        if (k == 0) {
                            continue;
                        }
                        crc = Crc64.update(crc, crcBuf, 0, k);
                        n += k;
                        bb.clear();
                    }
                } catch (IOException | RuntimeException e) {
                    out.add(new DamagedFile(r.displayName(), DamageKind.UNREADABLE, r.size(), o.size,
                            String.valueOf(e.getMessage()), r.index()));
                    continue;
                }
                if (n != r.size()) {
                    out.add(new DamagedFile(r.displayName(), DamageKind.WRONG_SIZE, r.size(), n, "", r.index()));
                } else if (crc != r.crc64()) {
                    out.add(new DamagedFile(r.displayName(), DamageKind.CONTENT_DIFFERS, r.size(), n,
                            String.format("crc64 %016x, recorded %016x", crc, r.crc64()), r.index()));
                }
            }
            out.sort(Comparator.comparingLong(DamagedFile::entryIndex));
            return out;
        }
    }

    /** The type of a tar entry without content, by its header's typeflag. */
    enum EntryType {
        EMPTY_FILE("an empty regular file"), HARD_LINK("a hard link (a regular file)"), SYMLINK("a symbolic link"),
        DIRECTORY("a directory"), FIFO("a FIFO");

        final String label;

        EntryType(String label) {
            this.label = label;
        }

        /** The evidence's name for it: directory, symlink, hardlink, empty_file, fifo. */
        String key() {
            return this == EMPTY_FILE ? "empty_file" : this == HARD_LINK ? "hardlink" : name().toLowerCase(java.util.Locale.ROOT);
        }

        static EntryType of(byte typeflag) {
            switch (typeflag) {
                case '0':
                case 0:
                case '7':
                    return EMPTY_FILE;
                case '1':
                    return HARD_LINK;
                case '2':
                    return SYMLINK;
                case '5':
                    return DIRECTORY;
                case '6':
                    return FIFO;
                default:
                    return null; // devices, and anything unknown: not checked
            }
        }

        /** Null when {@code a} is what this type needs, else what was found instead. */
        String matches(Path p, BasicFileAttributes a) {
            switch (this) {
                case EMPTY_FILE:
                    return !a.isRegularFile() ? describe(p, a) : a.size() != 0 ? "a regular file of " + a.size() + " bytes" : null;
                case HARD_LINK:
                    return a.isRegularFile() ? null : describe(p, a);
                case SYMLINK:
                    return a.isSymbolicLink() ? null : describe(p, a);
                case DIRECTORY:
                    return a.isDirectory() ? null : describe(p, a);
                case FIFO: {
                    String d = describe(p, a);
                    return d.equals("a FIFO") ? null : d;
                }
                default:
                    return null;
            }
        }
    }

    static final String OPAQUE = "trusted.overlay.opaque";
    static final String OPAQUE_MARKER = ".wh..wh..opq";
    static final String WHITEOUT_LABEL = "a whiteout (a character device 0/0)";
    /** Raw segment bytes kept between two file entries for their header (PAX records included). */
    static final int PRE_MAX = 1 << 20;

    static String b64(byte[] v) {
        return java.util.Base64.getEncoder().encodeToString(v);
    }

    static String octal(int mode) {
        return String.format("%04o", mode);
    }

    /** An evidence value for people: a mode or number as is, an xattr value as text when printable. */
    static String shown(String field, String value) {
        if (!field.equals("xattr")) {
            return value;
        }
        byte[] v = java.util.Base64.getDecoder().decode(value);
        for (byte c : v) {
            if (c < 0x20 || c > 0x7e) {
                return "base64:" + value;
            }
        }
        return "\"" + new String(v, java.nio.charset.StandardCharsets.US_ASCII) + "\"";
    }

    /** A directory's name without leading "./" and trailing '/', for matching opaque markers. */
    static String dirKey(String name) {
        String s = name;
        while (s.startsWith("./")) {
            s = s.substring(2);
        }
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s.equals(".") ? "" : s;
    }

    /** Whether the name's last component starts with {@code .wh.} (a whiteout or an opaque marker). */
    static boolean isWhiteout(byte[] name) {
        int end = name.length;
        while (end > 0 && name[end - 1] == '/') {
            end--;
        }
        int start = end;
        while (start > 0 && name[start - 1] != '/') {
            start--;
        }
        return end - start >= 4 && name[start] == '.' && name[start + 1] == 'w' && name[start + 2] == 'h' && name[start + 3] == '.';
    }

    /** Whether the name is the layer's root itself ("", ".", "./", "/"...). */
    static boolean isRoot(byte[] name) {
        for (int i = 0; i < name.length; i++) {
            byte c = name[i];
            if (c != '/' && !(c == '.' && (i + 1 == name.length || name[i + 1] == '/') && (i == 0 || name[i - 1] == '/'))) {
                return false;
            }
        }
        return true;
    }

    /** Shared progress counter; reports at most every 16 MiB. */
    private static final class Counter {
        private final Progress progress;
        private final long total;
        private final AtomicLong done = new AtomicLong();
        private final AtomicLong lastReport = new AtomicLong();

        Counter(Progress progress, long total) {
            this.progress = progress;
            this.total = total;
        }

        void add(long n) {
            if (progress == null) {
                return;
            }
            long d = done.addAndGet(n);
            long last = lastReport.get();
            if (d - last >= PROGRESS_STEP && lastReport.compareAndSet(last, d)) {
                progress.update(d, total);
            }
        }

        void layerDone(long read, long hint) {
            if (progress == null) {
                return;
            }
            // a layer whose files were missing counts as done for the total
            if (hint > read) {
                done.addAndGet(hint - read);
            }
            long d = done.get();
            lastReport.set(d);
            progress.update(Math.min(d, total > 0 ? Math.max(total, d) : d), total);
        }

        void flush() {
            if (progress != null) {
                progress.update(done.get(), total);
            }
        }
    }
}
