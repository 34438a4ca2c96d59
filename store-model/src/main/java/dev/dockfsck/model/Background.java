package dev.dockfsck.model;

import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * One piece of work run on a daemon thread of its own and joined once: how a read of the store
 * uses the second core while the first does other work (docs/benchmarks.md, "Start-up"). A
 * join waits without giving up on an interrupt (the interrupt is kept for the caller).
 */
public final class Background<T> {
    private final FutureTask<T> task;

    private Background(FutureTask<T> task) {
        this.task = task;
    }

    /** Starts {@code work} on a daemon thread named {@code name}. */
    public static <T> Background<T> start(String name, Callable<T> work) {
        FutureTask<T> task = new FutureTask<>(work);
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
        return new Background<>(task);
    }

    /** What the work returned; what it threw is thrown here (a checked exception wrapped). */
    public T join() {
        try {
            return await();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** What the work returned, or empty when it returned null or failed in any way. */
    public Optional<T> result() {
        try {
            return Optional.ofNullable(await());
        } catch (ExecutionException e) {
            return Optional.empty();
        }
    }

    private T await() throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
