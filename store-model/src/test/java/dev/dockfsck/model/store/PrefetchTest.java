package dev.dockfsck.model.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The early read: taken once, for its own root, only when its guard allowed it and it succeeded. */
class PrefetchTest {
    private FileSystem fs;
    private Path root;

    @BeforeEach
    void setUp() throws Exception {
        Prefetch.clear();
        fs = Jimfs.newFileSystem(Configuration.unix());
        root = fs.getPath("/var/lib/docker");
        Files.createDirectories(root.resolve("image/overlay2/layerdb/sha256"));
        Files.createDirectories(root.resolve("overlay2/l"));
    }

    @AfterEach
    void tearDown() throws Exception {
        Prefetch.clear();
        fs.close();
    }

    @Test
    void theFirstTakeOfTheSameRootGetsTheReadOnce() throws Exception {
        Prefetch.start(root, () -> true);
        DataRoot early = Prefetch.take(root).orElseThrow();
        assertEquals(DataRootReader.read(root).root(), early.root());
        assertTrue(Prefetch.take(root).isEmpty(), "a second read of the root reads afresh");
    }

    @Test
    void anotherRootIsNotServedAndTheReadStaysForItsOwn() {
        Prefetch.start(root, () -> true);
        assertTrue(Prefetch.take(fs.getPath("/srv/docker")).isEmpty());
        assertTrue(Prefetch.take(root).isPresent());
    }

    @Test
    void aGuardThatSaysNoReadsNothing() {
        AtomicInteger asked = new AtomicInteger();
        Prefetch.start(root, () -> asked.incrementAndGet() < 0);
        assertTrue(Prefetch.take(root).isEmpty());
        assertEquals(1, asked.get());
    }

    @Test
    void aFailingGuardOrReadLeavesTheCallerToReadAndFailOnItsOwn() {
        Prefetch.start(root, () -> {
            throw new IllegalStateException("cannot tell");
        });
        assertTrue(Prefetch.take(root).isEmpty());
        Path nope = fs.getPath("/nope");
        Prefetch.start(nope, () -> true);
        assertTrue(Prefetch.take(nope).isEmpty(), "a StoreException is the caller's to report");
    }

    @Test
    void oneReadAtATime() throws Exception {
        AtomicInteger reads = new AtomicInteger();
        Prefetch.start(root, () -> reads.incrementAndGet() > 0);
        Prefetch.start(root, () -> reads.incrementAndGet() > 0);
        DataRoot a = Prefetch.take(root).orElseThrow();
        assertEquals(1, reads.get());
        Prefetch.start(root, () -> true);
        DataRoot b = Prefetch.take(root).orElseThrow();
        assertNotSame(a, b);
        assertFalse(Prefetch.take(root).isPresent());
    }

    @Test
    void takeOrReadServesTheEarlyReadOnceThenReadsAfresh() throws Exception {
        Prefetch.start(root, () -> true);
        DataRoot early = Prefetch.takeOrRead(root);
        Prefetch.start(root, () -> false); // a guard that says no leaves nothing to take
        DataRoot afresh = Prefetch.takeOrRead(root);
        assertNotSame(early, afresh);
        assertEquals(early.root(), afresh.root());
        Prefetch.start(root, () -> true);
        DataRoot again = Prefetch.take(root).orElseThrow();
        assertNotSame(again, Prefetch.takeOrRead(root), "taken once: the next read is a new one");
    }

    @Test
    void takeOrReadReportsAnUnreadableRootItself() {
        Path nope = fs.getPath("/nope");
        StoreException e = org.junit.jupiter.api.Assertions.assertThrows(StoreException.class, () -> Prefetch.takeOrRead(nope));
        assertTrue(e.getMessage().contains("/nope"), e.getMessage());
    }
}
