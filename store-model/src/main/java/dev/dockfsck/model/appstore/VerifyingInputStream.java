package dev.dockfsck.model.appstore;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.hash.Sha256Engine;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Hashes a blob while it is read and checks it at the end: the read that reaches EOF throws
 * {@link BlobVerificationException} when the sha256 or the length is wrong, and so does the
 * read that goes past the expected length. A caller that writes what it read only after the
 * next read returned therefore never passes on the last bytes of a bad blob.
 */
public final class VerifyingInputStream extends FilterInputStream {
    private final String location;
    private final Optional<Digest> expected;
    private final long expectedSize;
    /** libcrypto's SHA-256 when the JVM allows it: blobs are hundreds of MB on a device. */
    private final Sha256Engine sha = Sha256Engine.create(1 << 16);
    private long count;
    private boolean verified;

    /**
     * @param expectedSize -1 when no size is known
     */
    public VerifyingInputStream(InputStream in, String location, Optional<Digest> expected, long expectedSize) {
        super(in);
        this.location = location;
        this.expected = expected;
        this.expectedSize = expectedSize;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        int n = in.read(b, off, len);
        if (n < 0) {
            finish();
            return -1;
        }
        sha.update(b, off, n);
        count += n;
        if (expectedSize >= 0 && count > expectedSize) {
            throw new BlobVerificationException(location, "size", expectedSize + " bytes", "more than " + expectedSize + " bytes");
        }
        return n;
    }

    private void finish() throws IOException {
        if (verified) {
            return;
        }
        if (expectedSize >= 0 && count != expectedSize) {
            throw new BlobVerificationException(location, "size", expectedSize + " bytes", count + " bytes");
        }
        Digest actual = sha.digest();
        if (expected.isPresent() && !expected.get().equals(actual)) {
            throw new BlobVerificationException(location, "sha256", expected.get().toString(), actual.toString());
        }
        verified = true;
    }

    /** Whether EOF was reached and the blob matched. */
    public boolean verified() {
        return verified;
    }

    public long count() {
        return count;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[8192];
        long left = n;
        while (left > 0) {
            int r = read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                break;
            }
            left -= r;
        }
        return n - left;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readlimit) {
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }
}
