package dev.dockfsck.model.tarsplit;

import dev.dockfsck.model.Digest;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes a layer's {@code tar-split.json.gz} exactly as dockerd 20.10 records it while loading a
 * layer ({@code asm.NewInputTarStream} + {@code storage.NewJSONPacker} of vbatts/tar-split
 * v0.11.x, gzip-compressed), and returns the layer's DiffID (sha256 of every byte read).
 *
 * <p>The JSON text is byte-for-byte what dockerd writes (verified against dockerd 20.10.24): one
 * {@code storage.Entry} per line in Go's {@code encoding/json} form:
 * <ul>
 * <li>{@code {"type":2,"payload":"<base64>","position":N}}: raw bytes: each entry's headers
 * (with any PAX / GNU long-name records before it and the previous entry's padding), the
 * end-of-archive blocks; then whatever follows them in chunks of at most 1 MiB, and finally
 * one segment with an empty payload (tar-split before v0.11.4 always adds it);</li>
 * <li>{@code {"type":1,"name":"...","size":N,"payload":"<base64 crc64>","position":N}} per
 * entry: {@code name_raw} instead of {@code name} for non-UTF-8 names, {@code size} omitted when
 * 0, {@code payload} null when the size is 0.</li>
 * </ul>
 * The gzip framing is Go's header with Java's deflate data: compare tar-splits decompressed.
 *
 * <p>One pass: an {@link EntryHandler} sees every entry's header and content while it is packed
 * (repair extracts a layer's files from the same read). A tar that is cut off, not a tar, or holds
 * an entry dockerd would refuse (a duplicate path, as tar-split: {@code duplicates of file paths
 * not supported}; a {@code ..} component in a name or hard-link target; an empty name; a sparse
 * file; a negative size) is a {@link LayerTarException}, thrown before the entry reaches the
 * handler. Other I/O errors of the source, and whatever the handler throws, pass through.
 */
public final class TarSplitPacker {
    /** Sees every entry with its content (empty for size 0); what it leaves unread is drained. */
    @FunctionalInterface
    public interface EntryHandler {
        /**
         * @param content the entry's data, valid only during the call (the stream is reused);
         *     closing it does nothing
         */
        void entry(TarHeader header, InputStream content) throws IOException;
    }

    /**
     * @param diffId      sha256 of the whole layer stream
     * @param tarLength   the length of the layer stream in bytes
     * @param fileEntries the number of file entries (one per tar entry) in the tar-split
     */
    public record Result(Digest diffId, long tarLength, int fileEntries) {
    }

    private static final int PADDING_CHUNK = 1024 * 1024;

    private TarSplitPacker() {
    }

    /** Writes the gzipped tar-split of {@code layerTar}; {@code out} is finished, not closed. */
    public static Result pack(InputStream layerTar, OutputStream tarSplitJsonGz) throws IOException {
        return pack(layerTar, tarSplitJsonGz, null);
    }

    /**
     * Writes the gzipped tar-split of {@code layerTar}, calling {@code handler} (may be null) for
     * every entry; {@code out} is finished, not closed.
     */
    public static Result pack(InputStream layerTar, OutputStream tarSplitJsonGz, EntryHandler handler)
            throws IOException {
        GoGzipOutputStream gz = new GoGzipOutputStream(tarSplitJsonGz);
        BufferedOutputStream json = new BufferedOutputStream(gz, 64 * 1024);
        Result r = packJson(layerTar, json, handler);
        json.flush();
        gz.finish();
        return r;
    }

    /** The gzipped tar-split of an in-memory layer. */
    public static byte[] pack(byte[] layerTar) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        pack(new ByteArrayInputStream(layerTar), out);
        return out.toByteArray();
    }

    /** The uncompressed JSON lines (what {@code zcat tar-split.json.gz} shows). */
    public static Result packJson(InputStream layerTar, OutputStream json, EntryHandler handler) throws IOException {
        MessageDigest sha = Digest.newSha256();
        CountingInputStream counting = new CountingInputStream(new DigestInputStream(layerTar, sha));
        GoTarReader tr = new GoTarReader(counting, true);
        Packer p = new Packer(json);
        int files = 0;
        ContentStream reusable = new ContentStream(tr);
        String last = null;
        while (true) {
            TarHeader hdr;
            try {
                hdr = tr.next();
            } catch (LayerTarException e) {
                throw where(e, files, last);
            } catch (RuntimeException e) {
                throw where(new LayerTarException("unreadable tar header (" + e + ")", e), files, last);
            }
            byte[] b = tr.rawBytes();
            if (b.length > 0) {
                p.segment(b, b.length);
            }
            if (hdr == null) {
                break;
            }
            try {
                p.check(hdr);
            } catch (LayerTarException e) {
                throw where(e, files, last);
            }
            byte[] csum = null;
            ContentStream content = reusable.restart();
            try {
                if (handler != null) {
                    handler.entry(hdr, hdr.size() > 0 ? content : InputStream.nullInputStream());
                }
                if (hdr.size() > 0) {
                    content.drain();
                    csum = Crc64.toBytes(content.crc);
                }
            } catch (LayerTarException e) {
                throw content.failed ? where(e, files, last) : e;
            }
            p.file(hdr.name, hdr.size(), csum);
            files++;
            last = hdr.displayName();
            b = tr.rawBytes();
            if (b.length > 0) {
                p.segment(b, b.length);
            }
        }
        // tar-split reads what follows the archive one Read at a time, and (before v0.11.4)
        // records the empty read at EOF too
        byte[] chunk = new byte[PADDING_CHUNK];
        while (true) {
            int n = tr.readTrailing(chunk, 0, chunk.length);
            p.segment(chunk, Math.max(n, 0));
            if (n < 0) {
                break;
            }
        }
        return new Result(Digest.ofRawSha256(sha.digest()), counting.count, files);
    }

    private static LayerTarException where(LayerTarException e, int entry, String after) {
        return new LayerTarException("layer tar, entry " + entry
                + (after == null ? " (the first)" : " (after " + dev.dockfsck.model.Texts.quote(after) + ")")
                + ": " + e.getMessage(), e);
    }

    /**
     * An entry's content for the handler. Reads the tar in 32 KiB calls as tar-split's
     * FilePutter (io.CopyBuffer) does, whatever sizes the handler asks for, and sums CRC-64.
     */
    private static final class ContentStream extends InputStream {
        long crc;
        /** Whether a read of the tar failed (so a LayerTarException is the tar's, not the handler's). */
        boolean failed;
        private final GoTarReader tr;
        private final byte[] chunk = new byte[32 * 1024];
        private int pos;
        private int len;
        private boolean end;

        ContentStream(GoTarReader tr) {
            this.tr = tr;
        }

        ContentStream restart() {
            crc = 0;
            pos = 0;
            len = 0;
            end = false;
            failed = false;
            return this;
        }

        private boolean fill() throws IOException {
            if (end) {
                return false;
            }
            int n;
            try {
                n = tr.read(chunk, 0, chunk.length);
            } catch (LayerTarException e) {
                failed = true;
                throw e;
            }
            if (n < 0) {
                end = true;
                return false;
            }
            crc = Crc64.update(crc, chunk, 0, n);
            pos = 0;
            len = n;
            return true;
        }

        @Override
        public int read() throws IOException {
            while (pos == len) {
                if (!fill()) {
                    return -1;
                }
            }
            return chunk[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int n) throws IOException {
            java.util.Objects.checkFromIndexSize(off, n, b.length);
            if (n == 0) {
                return 0;
            }
            while (pos == len) {
                if (!fill()) {
                    return -1;
                }
            }
            int k = Math.min(n, len - pos);
            System.arraycopy(chunk, pos, b, off, k);
            pos += k;
            return k;
        }

        @Override
        public void close() {
            // the layer stream stays open: the packer drains what the handler leaves
        }

        void drain() throws IOException {
            pos = len;
            while (fill()) {
                pos = len;
            }
        }
    }

    /** storage.NewJSONPacker: positions, duplicate-name check, Go JSON encoding. */
    private static final class Packer {
        private static final byte[] SEGMENT_START = "{\"type\":2,\"payload\":\"".getBytes(StandardCharsets.US_ASCII);
        private final OutputStream out;
        private final Set<String> seen = new HashSet<>();
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private final Base64.Encoder base64 = Base64.getEncoder();
        private int pos;

        Packer(OutputStream out) {
            this.out = out;
        }

        void segment(byte[] payload, int len) throws IOException {
            line.reset();
            line.writeBytes(SEGMENT_START);
            line.writeBytes(base64.encode(len == payload.length ? payload : java.util.Arrays.copyOf(payload, len)));
            line.writeBytes(("\",\"position\":" + pos + "}\n").getBytes(StandardCharsets.US_ASCII));
            line.writeTo(out);
            pos++;
        }

        /** Refuses what dockerd would not load, and what tar-split could not re-assemble. */
        void check(TarHeader hdr) throws LayerTarException {
            byte[] name = hdr.name;
            if (name.length == 0) {
                throw new LayerTarException("an entry without a name");
            }
            if (hasDotDot(name)) {
                throw new LayerTarException("the name " + quote(name) + " has a '..' component");
            }
            if (hdr.typeflag == TarHeader.TYPE_LINK && hasDotDot(hdr.linkname)) {
                throw new LayerTarException("the hard link " + quote(name) + " -> " + quote(hdr.linkname)
                        + " has a '..' component in its target");
            }
            if (hdr.size < 0) {
                throw new LayerTarException("the entry " + quote(name) + " has a negative size " + hdr.size);
            }
            if (!seen.add(TarSplitNames.clean(name))) {
                throw new LayerTarException("duplicates of file paths not supported: " + quote(name));
            }
        }

        void file(byte[] name, long size, byte[] payload) throws IOException {
            line.reset();
            line.writeBytes("{\"type\":1".getBytes(StandardCharsets.US_ASCII));
            if (name.length > 0) {
                if (Utf8.valid(name)) {
                    line.writeBytes(",\"name\":".getBytes(StandardCharsets.US_ASCII));
                    GoJson.appendString(line, name);
                } else {
                    line.writeBytes(",\"name_raw\":\"".getBytes(StandardCharsets.US_ASCII));
                    line.writeBytes(base64.encode(name));
                    line.write('"');
                }
            }
            if (size != 0) {
                line.writeBytes((",\"size\":" + size).getBytes(StandardCharsets.US_ASCII));
            }
            line.writeBytes(",\"payload\":".getBytes(StandardCharsets.US_ASCII));
            if (payload == null) {
                line.writeBytes("null".getBytes(StandardCharsets.US_ASCII));
            } else {
                line.write('"');
                line.writeBytes(base64.encode(payload));
                line.write('"');
            }
            line.writeBytes((",\"position\":" + pos + "}\n").getBytes(StandardCharsets.US_ASCII));
            line.writeTo(out);
            pos++;
        }

        private static String quote(byte[] name) {
            return dev.dockfsck.model.Texts.quote(TarSplitNames.display(name));
        }

        static boolean hasDotDot(byte[] n) {
            int start = 0;
            for (int i = 0; i <= n.length; i++) {
                if (i == n.length || n[i] == '/') {
                    if (i - start == 2 && n[start] == '.' && n[start + 1] == '.') {
                        return true;
                    }
                    start = i + 1;
                }
            }
            return false;
        }
    }

    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int c = super.read();
            if (c >= 0) {
                count++;
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            // never skip: every byte must be hashed
            byte[] buf = new byte[(int) Math.min(8192, Math.max(n, 1))];
            long done = 0;
            while (done < n) {
                int r = read(buf, 0, (int) Math.min(buf.length, n - done));
                if (r < 0) {
                    break;
                }
                done += r;
            }
            return done;
        }
    }
}
