package dev.dockfsck.model.store;

import dev.dockfsck.model.Background;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * One read of a data root begun early, on a second thread, while the main thread is still busy
 * with start-up (the CLI parses its command line: ~70-90 ms of a 1000-layer preen on the JVM's
 * one main thread): the first {@link #take} for the same root gets it, once; any other read reads
 * afresh. Only the model is read early; every check and decision on it is made as before.
 *
 * <p>{@code mayRead} runs first on that thread and must say whether the root may be read now (the
 * CLI passes the live-engine check: a root dockerd is using is never read early, so a taken
 * model was read after a check found the engine stopped, as a read on the main thread is). A
 * root that cannot be read ({@link StoreException}), a {@code mayRead} that says no or fails,
 * and a failing read all leave nothing to take: the caller then reads (and fails, or refuses) on
 * its own, with its own messages.
 */
public final class Prefetch {
    private static Background<DataRoot> pending;
    private static Path pendingRoot;

    private Prefetch() {
    }

    /** Begins reading {@code root} on a daemon thread, unless a read is already pending. */
    public static synchronized void start(Path root, BooleanSupplier mayRead) {
        if (pending != null) {
            return;
        }
        pending = Background.start("dockfsck-prefetch", () -> mayRead.getAsBoolean() ? DataRootReader.read(root) : null);
        pendingRoot = root;
    }

    /**
     * The model read early for {@code root} (the same path as given to {@link #start}), waiting
     * for the read to end; empty when there is none or it did not succeed. At most once: a second
     * read of the root (the check after a repair) reads afresh.
     */
    public static Optional<DataRoot> take(Path root) {
        Background<DataRoot> read;
        synchronized (Prefetch.class) {
            if (pending == null || !pendingRoot.equals(root)) {
                return Optional.empty();
            }
            read = pending;
            pending = null;
            pendingRoot = null;
        }
        return read.result();
    }

    /**
     * The data root's model: the one read early for {@code root} if there is one ({@link #take}),
     * else a read now. Every reader of a root the CLI may have begun reading goes through here.
     */
    public static DataRoot takeOrRead(Path root) throws StoreException {
        Optional<DataRoot> early = take(root);
        return early.isPresent() ? early.get() : DataRootReader.read(root);
    }

    /** Forgets a pending read (tests). */
    public static synchronized void clear() {
        pending = null;
        pendingRoot = null;
    }
}
