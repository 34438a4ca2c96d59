package dev.dockfsck.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Function;

/**
 * One piece of work run on a daemon thread of its own and joined once: how a read of the store
 * uses the second core while the first does other work (docs/benchmarks.md, "Start-up"). A
 * join waits without giving up on an interrupt (the interrupt is kept for the caller).
 */
public final class Background<T> {
    /** Lists shorter than this are mapped on the caller's thread alone: a thread costs more than they do. */
    static final int MIN_TO_SPLIT = 64;
    private static final boolean MANY_CORES = Runtime.getRuntime().availableProcessors() > 1;

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

    /**
     * {@code f} applied to each of {@code in}, in order. On a machine of more than one core a list
     * of {@value #MIN_TO_SPLIT} or more is mapped in two halves at once, the first on a thread
     * named {@code name}; what {@code f} throws is thrown here.
     */
    public static <A, B> List<B> map(String name, List<A> in, Function<A, B> f) {
        if (!MANY_CORES || in.size() < MIN_TO_SPLIT) {
            return mapHere(in, f);
        }
        List<A> first = in.subList(0, in.size() / 2);
        Background<List<B>> firstHalf = start(name, () -> mapHere(first, f));
        List<B> second = mapHere(in.subList(in.size() / 2, in.size()), f);
        List<B> out = new ArrayList<>(firstHalf.join());
        out.addAll(second);
        return out;
    }

    private static <A, B> List<B> mapHere(List<A> in, Function<A, B> f) {
        List<B> out = new ArrayList<>(in.size());
        for (A a : in) {
            out.add(f.apply(a));
        }
        return out;
    }
}
