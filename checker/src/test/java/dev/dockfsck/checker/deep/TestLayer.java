package dev.dockfsck.checker.deep;

import dev.dockfsck.model.fs.RawPaths;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.tarsplit.Crc64;
import dev.dockfsck.model.tarsplit.TarSplitWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a layer for tests: a ustar stream (hashed into its DiffID), its tar-split, and the
 * extracted diff/ directory, the way dockerd's disassembler and extraction would leave them.
 * Names are byte arrays (any encoding); entries are written in the order added.
 */
final class TestLayer {
    /**
     * @param mode   the header's 12 mode bits, -1 for the default (0755 dirs, 0644 others)
     * @param xattrs written as PAX SCHILY.xattr records before the header
     */
    record Entry(byte[] name, char type, byte[] content, String link, int mode, int uid, int gid,
                 java.util.Map<String, byte[]> xattrs, long major, long minor) {
        Entry(byte[] name, char type, byte[] content, String link) {
            this(name, type, content, link, -1, 0, 0, java.util.Map.of(), 0, 0);
        }
    }

    /** Any entry, with mode, owner, xattrs and device numbers (as dockerd's overlay2 extracts it when built). */
    TestLayer entry(String name, char type, String content, String link, int mode, int uid, int gid,
                    java.util.Map<String, byte[]> xattrs, long major, long minor) {
        entries.add(new Entry(b(type == '5' && !name.endsWith("/") ? name + "/" : name), type, b(content), link, mode,
                uid, gid, xattrs, major, minor));
        return this;
    }

    private boolean special(Entry e) {
        return e.mode >= 0 || e.uid != 0 || e.gid != 0 || !e.xattrs.isEmpty() || e.type == '3' || e.type == '4'
                || e.type == '6' || whiteoutName(e) != null;
    }

    /** The last component of a whiteout's name, or null. */
    private static String whiteoutName(Entry e) {
        String n = new String(e.name, StandardCharsets.ISO_8859_1);
        String last = n.substring(n.lastIndexOf('/') + 1);
        return last.startsWith(".wh.") ? last : null;
    }

    private final List<Entry> entries = new ArrayList<>();

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    TestLayer dir(String name) {
        entries.add(new Entry(b(name.endsWith("/") ? name : name + "/"), '5', new byte[0], ""));
        return this;
    }

    /** A directory as old tars wrote it: typeflag NUL and a trailing '/' (Go reads it as a directory). */
    TestLayer oldStyleDir(String name) {
        entries.add(new Entry(b(name.endsWith("/") ? name : name + "/"), '\0', new byte[0], ""));
        return this;
    }

    TestLayer file(String name, byte[] content) {
        return file(b(name), content);
    }

    TestLayer file(String name, String content) {
        return file(b(name), b(content));
    }

    TestLayer file(byte[] name, byte[] content) {
        entries.add(new Entry(name, '0', content, ""));
        return this;
    }

    TestLayer symlink(String name, String target) {
        entries.add(new Entry(b(name), '2', new byte[0], target));
        return this;
    }

    TestLayer hardlink(String name, String target) {
        entries.add(new Entry(b(name), '1', new byte[0], target));
        return this;
    }

    List<Entry> entries() {
        return entries;
    }

    /** Written layer: where its parts are and its DiffID. */
    record Built(Path diffDir, Path tarSplit, Digest diffId, byte[] tar) {
        LayerJob job(Digest chainId) {
            return new LayerJob(chainId, diffId, diffDir, tarSplit, -1);
        }

        LayerJob job() {
            return job(diffId);
        }
    }

    /** Writes diff/ and tar-split.json.gz under {@code root}, returns them with the DiffID. */
    Built build(Path root) throws IOException {
        Path diff = root.resolve("diff");
        Files.createDirectories(diff);
        Path ts = root.resolve("tar-split.json.gz");
        byte[] tar;
        try (OutputStream os = Files.newOutputStream(ts); TarSplitWriter w = new TarSplitWriter(os)) {
            tar = writeTar(w);
        }
        for (Entry e : entries) {
            Path p = diff;
            for (String c : new String(e.name, StandardCharsets.ISO_8859_1).split("/")) {
                if (!c.isEmpty() && p != null) {
                    p = RawPaths.child(p, c.getBytes(StandardCharsets.ISO_8859_1)).path();
                }
            }
            if (p == null) {
                throw new IOException("cannot create " + new String(e.name, StandardCharsets.UTF_8)
                        + " from Java in this JVM: create it with a shell");
            }
            String wh = whiteoutName(e);
            if (wh != null) {
                // as overlay2 extracts it: the opaque marker is an xattr on its dir, a whiteout a char device 0/0
                Files.createDirectories(p.getParent());
                if (wh.equals(".wh..wh..opq")) {
                    dev.dockfsck.model.fs.Posix.setXattr(p.getParent(), "trusted.overlay.opaque", b("y"));
                } else {
                    Path target = p.resolveSibling(wh.substring(4));
                    dev.dockfsck.model.fs.Posix.mknod(target, dev.dockfsck.model.fs.Posix.S_IFCHR, 0, 0, 0);
                    dev.dockfsck.model.fs.Posix.lchown(target, e.uid, e.gid);
                }
                continue;
            }
            switch (e.type) {
                case '3', '4', '6' -> {
                    Files.createDirectories(p.getParent());
                    int t = e.type == '3' ? dev.dockfsck.model.fs.Posix.S_IFCHR : e.type == '4' ? dev.dockfsck.model.fs.Posix.S_IFBLK
                            : dev.dockfsck.model.fs.Posix.S_IFIFO;
                    dev.dockfsck.model.fs.Posix.mknod(p, t, 0644, e.major, e.minor);
                }
                case '5', '\0' -> Files.createDirectories(p);
                case '0' -> {
                    Files.createDirectories(p.getParent());
                    Files.write(p, e.content);
                }
                case '2' -> {
                    Files.createDirectories(p.getParent());
                    Files.createSymbolicLink(p, p.getFileSystem().getPath(e.link));
                }
                case '1' -> {
                    Files.createDirectories(p.getParent());
                    Files.createLink(p, diff.resolve(e.link));
                }
                default -> throw new IllegalStateException();
            }
            if (special(e)) {
                dev.dockfsck.model.fs.Posix.lchown(p, e.uid, e.gid);
                if (e.type != '2') {
                    dev.dockfsck.model.fs.Posix.chmod(p, e.mode >= 0 ? e.mode : e.type == '5' ? 0755 : 0644);
                }
                for (var x : e.xattrs.entrySet()) {
                    dev.dockfsck.model.fs.Posix.setXattr(p, x.getKey(), x.getValue());
                }
            }
        }
        MessageDigest md = Digest.newSha256();
        return new Built(diff, ts, Digest.ofRawSha256(md.digest(tar)), tar);
    }

    /** The tar bytes; the same bytes are split into segments and file entries in {@code w}. */
    byte[] writeTar(TarSplitWriter w) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        for (Entry e : entries) {
            byte[] h = header(e);
            if (!e.xattrs.isEmpty()) {
                byte[] pax = pax(e);
                pending.write(pax);
                tar.write(pax);
            }
            pending.write(h);
            tar.write(h);
            long size = e.type == '0' ? e.content.length : 0;
            w.segment(pending.toByteArray());
            pending.reset();
            w.file(e.name, size, Crc64.checksum(e.content));
            if (size > 0) {
                tar.write(e.content);
                int pad = (int) ((512 - size % 512) % 512);
                pending.write(new byte[pad]);
                tar.write(new byte[pad]);
            }
        }
        pending.write(new byte[1024]);
        tar.write(new byte[1024]);
        w.segment(pending.toByteArray());
        return tar.toByteArray();
    }

    static byte[] header(Entry e) {
        byte[] h = new byte[512];
        if (e.name.length > 100) {
            throw new IllegalArgumentException("test tar names are at most 100 bytes");
        }
        System.arraycopy(e.name, 0, h, 0, e.name.length);
        octal(h, 100, 8, e.mode >= 0 ? e.mode : e.type == '5' || e.type == '\0' ? 0755 : 0644);
        octal(h, 108, 8, e.uid);
        octal(h, 116, 8, e.gid);
        octal(h, 329, 8, e.major);
        octal(h, 337, 8, e.minor);
        octal(h, 124, 12, e.type == '0' ? e.content.length : 0);
        octal(h, 136, 12, 1_700_000_000L);
        h[156] = (byte) e.type;
        byte[] link = e.link.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(link, 0, h, 157, Math.min(100, link.length));
        System.arraycopy(b("ustar\u000000"), 0, h, 257, 8);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte x : h) {
            sum += x & 0xff;
        }
        octal(h, 148, 7, sum);
        return h;
    }

    /** A PAX extended header ('x') with the entry's SCHILY.xattr records, data padded to 512. */
    static byte[] pax(Entry e) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (var x : e.xattrs.entrySet()) {
            byte[] kv = concat(b(" SCHILY.xattr." + x.getKey() + "="), x.getValue(), b("\n"));
            int n = kv.length;
            int len = n + Integer.toString(n).length();
            if (Integer.toString(len).length() != Integer.toString(n).length()) {
                len++;
            }
            data.writeBytes(concat(b(Integer.toString(len)), kv));
        }
        byte[] d = data.toByteArray();
        Entry px = new Entry(b("PaxHeaders/x"), 'x', new byte[0], "");
        byte[] h = header(px);
        octal(h, 124, 12, d.length);
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += (i >= 148 && i < 156) ? ' ' : h[i] & 0xff;
        }
        octal(h, 148, 7, sum);
        int pad = (512 - d.length % 512) % 512;
        return concat(h, d, new byte[pad]);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    private static void octal(byte[] h, int off, int len, long v) {
        String s = Long.toOctalString(v);
        s = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
        System.arraycopy(b(s), 0, h, off, len - 1);
        h[off + len - 1] = 0;
    }
}
