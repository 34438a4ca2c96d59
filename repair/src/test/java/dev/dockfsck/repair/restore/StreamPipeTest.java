package dev.dockfsck.repair.restore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class StreamPipeTest {
    @Test
    @Timeout(10)
    void carriesBytesInOrderThroughASmallBuffer() throws Exception {
        byte[] data = new byte[1_000_003];
        new Random(3).nextBytes(data);
        StreamPipe p = new StreamPipe(4096);
        Thread w = new Thread(() -> {
            try (OutputStream o = p.output()) {
                for (int i = 0; i < data.length; i += 777) {
                    o.write(data, i, Math.min(777, data.length - i));
                }
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        w.start();
        byte[] got = p.input().readAllBytes();
        w.join();
        assertArrayEquals(data, got);
    }

    @Test
    @Timeout(10)
    void abortMakesTheReaderFailInsteadOfSeeingAnEnd() throws Exception {
        StreamPipe p = new StreamPipe(1024);
        p.output().write(new byte[100]);
        p.abort(new IOException("blob blobs/sha256/x failed"));
        InputStream in = p.input();
        IOException e = assertThrows(IOException.class, in::read);
        assertTrue(e.getMessage().contains("blob blobs/sha256/x failed"), e.getMessage());
    }

    @Test
    @Timeout(10)
    void aWriterBlockedOnAFullPipeIsReleasedWhenTheReaderGivesUp() throws Exception {
        StreamPipe p = new StreamPipe(16);
        AtomicReference<Throwable> err = new AtomicReference<>();
        Thread w = new Thread(() -> {
            try {
                p.output().write(new byte[1000]);
            } catch (IOException e) {
                err.set(e);
            }
        });
        w.start();
        Thread.sleep(100);
        p.closeReader();
        w.join(5000);
        assertTrue(err.get() instanceof IOException);
    }
}
