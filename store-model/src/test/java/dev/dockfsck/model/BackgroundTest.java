package dev.dockfsck.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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

    @Test
    void mapKeepsTheOrderAndSplitsLongListsAcrossTwoThreads() {
        for (int n : new int[] {0, 1, Background.MIN_TO_SPLIT - 1, Background.MIN_TO_SPLIT, Background.MIN_TO_SPLIT + 1, 1001}) {
            List<Integer> in = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                in.add(i);
            }
            Set<String> threads = ConcurrentHashMap.newKeySet();
            List<Integer> out = Background.map("mapper", in, i -> {
                threads.add(Thread.currentThread().getName());
                return i * 2;
            });
            assertEquals(n, out.size());
            for (int i = 0; i < n; i++) {
                assertEquals(2 * i, out.get(i), "element " + i + " of " + n);
            }
            boolean split = n >= Background.MIN_TO_SPLIT && Runtime.getRuntime().availableProcessors() > 1;
            assertEquals(split, threads.contains("mapper"), n + " elements");
            assertEquals(n > 0, threads.contains(Thread.currentThread().getName()), n + " elements: the caller maps too");
        }
    }

    @Test
    void mapThrowsWhatEitherHalfThrew() {
        List<Integer> in = new ArrayList<>();
        for (int i = 0; i < 2 * Background.MIN_TO_SPLIT; i++) {
            in.add(i);
        }
        for (int bad : new int[] {0, in.size() - 1}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> Background.map("mapper", in, i -> {
                if (i == bad) {
                    throw new IllegalStateException("element " + i);
                }
                return i;
            }));
            assertEquals("element " + bad, e.getMessage());
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
