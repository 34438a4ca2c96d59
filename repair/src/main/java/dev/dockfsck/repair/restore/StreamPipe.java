package dev.dockfsck.repair.restore;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;

/**
 * A bounded in-memory pipe from a writer thread to a reader thread, with what
 * {@link java.io.PipedInputStream} lacks: the writer can <em>abort</em> the stream, and then the
 * reader's next read throws instead of seeing a clean end. An HTTP upload that reads this pipe
 * therefore fails instead of sending a short archive as if it were whole. The reader can close
 * its end, and the writer's next write then throws instead of blocking forever.
 */
final class StreamPipe {
    private final byte[] buf;
    private int head;
    private int count;
    private boolean writerClosed;
    private boolean readerClosed;
    private Throwable abort;

    StreamPipe(int capacity) {
        buf = new byte[capacity];
    }

    private final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            synchronized (StreamPipe.this) {
                while (len > 0) {
                    if (readerClosed) {
                        throw new IOException("the reader closed the stream (the engine stopped reading)");
                    }
                    if (writerClosed || abort != null) {
                        throw new IOException("stream already closed");
                    }
                    if (count == buf.length) {
                        waitQuietly();
                        continue;
                    }
                    int tail = (head + count) % buf.length;
                    int n = Math.min(len, Math.min(buf.length - count, buf.length - tail));
                    System.arraycopy(b, off, buf, tail, n);
                    count += n;
                    off += n;
                    len -= n;
                    StreamPipe.this.notifyAll();
                }
            }
        }

        @Override
        public void close() {
            synchronized (StreamPipe.this) {
                writerClosed = true;
                StreamPipe.this.notifyAll();
            }
        }
    };

    private final InputStream in = new InputStream() {
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
            synchronized (StreamPipe.this) {
                while (true) {
                    if (abort != null) {
                        throw new IOException("upload aborted: " + abort.getMessage(), abort);
                    }
                    if (readerClosed) {
                        throw new IOException("stream closed");
                    }
                    if (count > 0) {
                        int n = Math.min(len, Math.min(count, buf.length - head));
                        System.arraycopy(buf, head, b, off, n);
                        head = (head + n) % buf.length;
                        count -= n;
                        StreamPipe.this.notifyAll();
                        return n;
                    }
                    if (writerClosed) {
                        return -1;
                    }
                    try {
                        StreamPipe.this.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted");
                    }
                }
            }
        }

        @Override
        public int available() {
            synchronized (StreamPipe.this) {
                return count;
            }
        }

        @Override
        public void close() {
            synchronized (StreamPipe.this) {
                readerClosed = true;
                StreamPipe.this.notifyAll();
            }
        }
    };

    private void waitQuietly() throws InterruptedIOException {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    OutputStream output() {
        return out;
    }

    InputStream input() {
        return in;
    }

    /** Makes the reader fail: buffered bytes are dropped, the next read throws. */
    synchronized void abort(Throwable why) {
        if (abort == null) {
            abort = why;
        }
        count = 0;
        notifyAll();
    }

    /** Closes the reader's end (the consumer is done, or gave up). */
    synchronized void closeReader() {
        readerClosed = true;
        notifyAll();
    }
}
