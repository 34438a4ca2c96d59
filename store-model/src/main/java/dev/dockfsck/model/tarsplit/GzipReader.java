package dev.dockfsck.model.tarsplit;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * A gzip decoder that accepts exactly what Go's {@code compress/gzip} reader (multistream, as
 * dockerd reads tar-split.json.gz) accepts: one or more members, each with a valid header,
 * deflate data, CRC-32 and length; after the last member the stream must end. The JDK's
 * {@code GZIPInputStream} silently ignores bytes after a member that are not another member;
 * Go fails on them ("gzip: invalid header"), and so does dockerd's {@code docker save}: here they
 * are a {@link ZipException}. A stream that ends early is an {@link EOFException}.
 */
final class GzipReader extends InputStream {
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private final InputStream in;
    private final byte[] buf;
    private int pos;
    private int lim;
    private final Inflater inf = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private long memberBytes;
    private boolean eof;
    private final byte[] one = new byte[1];

    GzipReader(InputStream in, int bufferSize) throws IOException {
        this.in = in;
        this.buf = new byte[bufferSize];
        if (!readHeader(true)) {
            throw new EOFException("empty gzip stream");
        }
    }

    private boolean fill() throws IOException {
        if (pos < lim) {
            return true;
        }
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            return false;
        }
        pos = 0;
        lim = n;
        return true;
    }

    private int byteOrEof() throws IOException {
        if (!fill()) {
            return -1;
        }
        return buf[pos++] & 0xff;
    }

    private int u8() throws IOException {
        int b = byteOrEof();
        if (b < 0) {
            throw new EOFException("gzip stream cut off in a header or trailer");
        }
        return b;
    }

    private int u16le() throws IOException {
        return u8() | (u8() << 8);
    }

    private long u32le() throws IOException {
        return (u16le() & 0xffffL) | ((long) u16le() << 16);
    }

    /** Reads a member header; false at a clean end of stream (only allowed after a member). */
    private boolean readHeader(boolean first) throws IOException {
        int id1 = byteOrEof();
        if (id1 < 0) {
            return false;
        }
        // like Go: the 10 fixed bytes first (a cut header is truncation), then their values
        int[] h = new int[10];
        h[0] = id1;
        for (int i = 1; i < 10; i++) {
            h[i] = u8();
        }
        if (h[0] != 0x1f || h[1] != 0x8b || h[2] != 8) {
            throw new ZipException(first ? "Not in GZIP format" : "bytes after the gzip stream (gzip: invalid header)");
        }
        int flg = h[3]; // reserved bits ignored and the FHCRC value unchecked, as lenient as Go or more
        if ((flg & FEXTRA) != 0) {
            int n = u16le();
            for (int i = 0; i < n; i++) {
                u8();
            }
        }
        if ((flg & FNAME) != 0) {
            while (u8() != 0) {
                // name
            }
        }
        if ((flg & FCOMMENT) != 0) {
            while (u8() != 0) {
                // comment
            }
        }
        if ((flg & FHCRC) != 0) {
            u16le();
        }
        inf.reset();
        crc.reset();
        memberBytes = 0;
        return true;
    }

    @Override
    public int read() throws IOException {
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (!eof) {
            int n;
            try {
                n = inf.inflate(b, off, len);
            } catch (DataFormatException e) {
                throw new ZipException("bad deflate data: " + e.getMessage());
            }
            if (n > 0) {
                crc.update(b, off, n);
                memberBytes += n;
                return n;
            }
            if (inf.finished()) {
                // give back what the inflater did not use, then the trailer
                int rem = inf.getRemaining();
                pos = lim - rem;
                long wantCrc = u32le();
                long wantLen = u32le();
                if (wantCrc != crc.getValue()) {
                    throw new ZipException("gzip checksum error");
                }
                if (wantLen != (memberBytes & 0xffffffffL)) {
                    throw new ZipException("gzip length error");
                }
                if (!readHeader(false)) {
                    eof = true;
                }
                continue;
            }
            if (inf.needsDictionary()) {
                throw new ZipException("deflate data needs a dictionary");
            }
            if (inf.needsInput()) {
                if (!fill()) {
                    throw new EOFException("gzip stream cut off in the compressed data");
                }
                inf.setInput(buf, pos, lim - pos);
                pos = lim;
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        inf.end();
        in.close();
    }
}
