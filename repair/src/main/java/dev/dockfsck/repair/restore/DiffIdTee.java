package dev.dockfsck.repair.restore;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.hash.Sha256Engine;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Computes the DiffID (sha256 of the uncompressed tar) of a gzip layer from its compressed bytes
 * as they stream past, on a helper thread: the compressed bytes are written here as they are
 * sent, and {@link #finish()} gives the DiffID once the last one was. Used for layers whose blob
 * digest is unknown (a docker-archive with gzip layers not named by digest).
 */
final class DiffIdTee {
    private final StreamPipe pipe = new StreamPipe(1 << 20);
    private final Thread thread;
    private volatile Digest result;
    private volatile IOException error;

    DiffIdTee(String name) {
        thread = new Thread(() -> {
            try (InputStream in = new GZIPInputStream(pipe.input(), 1 << 16)) {
                Sha256Engine sha = Sha256Engine.create(1 << 16);
                byte[] b = new byte[1 << 16];
                int n;
                while ((n = in.read(b)) > 0) {
                    sha.update(b, 0, n);
                }
                result = sha.digest();
            } catch (IOException e) {
                error = e;
            } finally {
                pipe.closeReader();
            }
        }, "dockfsck-diffid-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /** Feeds compressed bytes; fails when the stream is not valid gzip (the decompressor gave up). */
    void write(byte[] b, int off, int len) throws IOException {
        try {
            pipe.output().write(b, off, len);
        } catch (IOException e) {
            awaitThread();
            throw error != null ? new IOException("not valid gzip: " + error.getMessage(), error) : e;
        }
    }

    /** The DiffID of everything written; throws when it was not a complete gzip stream. */
    Digest finish() throws IOException {
        pipe.output().close();
        awaitThread();
        if (error != null) {
            throw new IOException("not valid gzip: " + error.getMessage(), error);
        }
        return result;
    }

    /** Stops the helper thread (the upload is being aborted). */
    void abort() {
        pipe.abort(new IOException("aborted"));
        pipe.closeReader();
    }

    private void awaitThread() throws IOException {
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted");
        }
    }
}
