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
    record Entry(byte[] name, char type, byte[] content, String link) {
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
            switch (e.type) {
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
        octal(h, 100, 8, e.type == '5' ? 0755 : 0644);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
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

    private static void octal(byte[] h, int off, int len, long v) {
        String s = Long.toOctalString(v);
        s = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
        System.arraycopy(b(s), 0, h, off, len - 1);
        h[off + len - 1] = 0;
    }
}
