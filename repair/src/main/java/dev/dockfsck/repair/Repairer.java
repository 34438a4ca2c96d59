package dev.dockfsck.repair;

import dev.dockfsck.checker.Checker;
import dev.dockfsck.checker.ContentVerifier;
import dev.dockfsck.checker.Report;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.store.DataRoot;
import dev.dockfsck.model.store.StoreException;
import dev.dockfsck.repair.apply.ApplyContext;
import dev.dockfsck.repair.apply.Journal;
import dev.dockfsck.repair.apply.LayerBlobSource;
import dev.dockfsck.repair.apply.RootedFs;
import dev.dockfsck.repair.live.EngineStamp;
import dev.dockfsck.repair.live.LiveEngine;
import dev.dockfsck.repair.plan.Action;
import dev.dockfsck.repair.plan.Plan;
import dev.dockfsck.repair.plan.Planner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code dockfsck repair}: refuse a live store; resume an interrupted repair from its journal or
 * check and plan; journal the plan; apply it action by action; check again.
 */
public final class Repairer {
    /** Test-only crash hook: {@code N} halts right after action N is journaled done; {@code N:unmarked} before. */
    public static final String CRASH_HOOK_ENV = "DOCKFSCK_TEST_CRASH";

    public record Options(boolean deep, boolean dryRun, boolean force, Path stateDir, int jobs,
                          Map<Digest, List<String>> extraNames, java.util.function.Function<Path, ContentVerifier> verifier,
                          ContentVerifier.Progress progress, Listener listener, Optional<LayerBlobSource> blobs) {
        public Options(boolean deep, boolean dryRun, boolean force, Path stateDir, int jobs,
                       Map<Digest, List<String>> extraNames, java.util.function.Function<Path, ContentVerifier> verifier,
                       ContentVerifier.Progress progress, Listener listener) {
            this(deep, dryRun, force, stateDir, jobs, extraNames, verifier, progress, listener, Optional.empty());
        }
    }

    /** What a caller sees while a repair runs (text output, progress). */
    public interface Listener {
        /** The plan is known (and, unless a dry run, about to be journaled and applied). */
        default void planned(Report before, Plan plan, boolean resumed) {
        }

        /** An interrupted repair's journal is set aside because dockerd ran since: the store is checked afresh. */
        default void stale(Path journal) {
        }

        /** Action {@code index} (0-based) of {@code total} is about to run. */
        default void applying(int index, int total, Action action) {
        }

        /** Action {@code index} could not prove its result and changed nothing; the repair goes on. */
        default void notRepaired(int index, int total, Action action, String why) {
        }

        Listener NONE = new Listener() { };
    }

    /**
     * @param before  the report the plan came from (null when resuming a journal)
     * @param after   the report after applying (null on a dry run or an empty plan)
     */
    public record Result(Plan plan, boolean resumed, boolean applied, Report before, Report after, long bytesFreed) {
        /** e2fsck-style: 0 clean and untouched, 1 corrected and now clean, 4 errors left. */
        public int exitCode() {
            Report last = after != null ? after : before;
            boolean clean = last == null || last.clean();
            if (!clean) {
                return 4;
            }
            return applied ? 1 : 0;
        }
    }

    /** The store is in use or cannot be read: nothing was written. */
    public static final class RefusedException extends Exception {
        private static final long serialVersionUID = 1L;

        public RefusedException(String message) {
            super(message);
        }
    }

    private final Options options;

    public Repairer(Options options) {
        this.options = options;
    }

    public Result run(Path root) throws RefusedException, IOException {
        Optional<String> live = LiveEngine.find(root);
        if (live.isPresent()) {
            throw new RefusedException("refusing to repair " + root + ": " + live.get()
                    + "; stop dockerd (systemctl stop docker docker.socket) and run again");
        }
        // the CLI may have begun this read at start-up, after the same live-engine check (read: Prefetch)
        DataRoot store = read(root);
        Journal journal = new Journal(options.stateDir(), store.root().toString());
        Optional<Plan> pending = journal.pending();
        String stamp = EngineStamp.of(store.root());
        if (pending.isPresent() && journal.stamp().map(s -> !s.equals(stamp)).orElse(false)) {
            // dockerd ran since the repair was interrupted: its plan may undo what dockerd did since
            options.listener().stale(journal.dir());
            journal.abandon();
            pending = Optional.empty();
        }
        Report before = null;
        Plan plan;
        boolean resumed = pending.isPresent();
        if (resumed) {
            plan = pending.get();
        } else {
            before = check(store);
            plan = Planner.plan(before, new Planner.Options(options.force(), options.extraNames(), options.blobs()));
        }
        options.listener().planned(before, plan, resumed);
        if (options.dryRun() || plan.isEmpty()) {
            return new Result(plan, resumed, false, before, null, 0);
        }
        if (!resumed) {
            // on a resume the journal is already there: begin() would forget which actions are done
            journal.begin(plan, stamp);
        }
        long freed = execute(plan, journal, new ApplyContext(new RootedFs(store.root()), options.stateDir(), options.blobs()));
        journal.finish();
        Report after = check(read(root));
        return new Result(plan, resumed, true, before, after, freed);
    }

    private long execute(Plan plan, Journal journal, ApplyContext ctx) throws IOException {
        return applyJournaled(plan, journal, ctx, options.listener(), "repair", (a, why) -> { });
    }

    /**
     * Applies the plan's actions not yet journaled done, in order, marking each done once it is:
     * what both {@code repair} and its preen run. An action that could not prove its result
     * changed nothing: {@code notRepaired} hears of it and the others go on (the re-check names
     * what is left); any other failure stops the run, the journal kept for a resume.
     *
     * @param verb what runs, for the error message ("repair", "preen")
     * @return the bytes freed
     */
    public static long applyJournaled(Plan plan, Journal journal, ApplyContext ctx, Listener listener, String verb,
                                      java.util.function.BiConsumer<Action, String> notRepaired) throws IOException {
        Set<Integer> done = journal.done();
        String hook = System.getenv(CRASH_HOOK_ENV);
        long freed = 0;
        List<Action> actions = plan.actions();
        for (int i = 0; i < actions.size(); i++) {
            if (done.contains(i)) {
                continue;
            }
            Action a = actions.get(i);
            listener.applying(i, actions.size(), a);
            try {
                freed += a.apply(ctx);
            } catch (dev.dockfsck.repair.apply.NotRepairedException e) {
                notRepaired.accept(a, e.getMessage());
                listener.notRepaired(i, actions.size(), a, e.getMessage());
            } catch (IOException | RuntimeException e) {
                throw new IOException(verb + " stopped at action " + (i + 1) + " of " + actions.size() + " ("
                        + a.describe() + "): " + e.getMessage() + "; the journal in " + journal.dir()
                        + " lets a rerun resume once the cause is fixed", e);
            }
            if (hook != null && hook.equals(i + ":unmarked")) {
                Runtime.getRuntime().halt(137);
            }
            journal.markDone(i);
            if (hook != null && hook.equals(Integer.toString(i))) {
                Runtime.getRuntime().halt(137);
            }
        }
        return freed;
    }

    private Report check(DataRoot store) {
        // the app store for its names (REFERENCE_LOST) only: healing verifies the blobs it reads
        return new Checker(options.verifier().apply(store.root())).check(store, new Checker.Options(options.deep(), Optional.empty(),
                options.jobs(), options.progress(), options.blobs().flatMap(LayerBlobSource::appStore), false));
    }

    private static DataRoot read(Path root) throws RefusedException {
        try {
            return dev.dockfsck.model.store.Prefetch.takeOrRead(root);
        } catch (StoreException e) {
            throw new RefusedException(e.getMessage());
        }
    }
}
