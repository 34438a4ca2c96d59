package dev.dockfsck.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class BackgroundTest {
    @Test
    void joinGivesWhatTheWorkReturnedOrThrowsWhatItThrew() {
        assertEquals("x", Background.start("t", () -> "x").join());
        IllegalArgumentException boom = new IllegalArgumentException("boom");
        assertSame(boom, assertThrows(IllegalArgumentException.class, () -> Background.start("t", () -> {
            throw boom;
        }).join()));
        StackOverflowError err = new StackOverflowError();
        assertSame(err, assertThrows(StackOverflowError.class, () -> Background.start("t", () -> {
            throw err;
        }).join()));
        IOException io = new IOException("io");
        assertSame(io, assertThrows(IllegalStateException.class, () -> Background.start("t", () -> {
            throw io;
        }).join()).getCause());
    }

    @Test
    void resultIsEmptyForNullAndForAnyFailure() {
        assertEquals(Optional.of(1), Background.start("t", () -> 1).result());
        assertEquals(Optional.empty(), Background.start("t", () -> null).result());
        assertEquals(Optional.empty(), Background.start("t", () -> {
            throw new IllegalStateException();
        }).result());
    }

    @Test
    void anInterruptedJoinStillWaitsAndKeepsTheInterrupt() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        Background<String> b = Background.start("t", () -> {
            go.await();
            return "done";
        });
        Thread.currentThread().interrupt();
        new Thread(() -> {
            sleep(50);
            go.countDown();
        }).start();
        try {
            assertEquals("done", b.join());
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is the caller's to see");
        } finally {
            Thread.interrupted();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
