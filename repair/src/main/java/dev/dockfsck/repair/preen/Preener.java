package dev.dockfsck.repair.preen;

import dev.dockfsck.checker.Checker;
import dev.dockfsck.checker.Report;
import dev.dockfsck.model.store.DataRoot;
import dev.dockfsck.model.store.StoreException;
import dev.dockfsck.repair.Repairer;
import dev.dockfsck.repair.apply.ApplyContext;
import dev.dockfsck.repair.apply.Journal;
import dev.dockfsck.repair.apply.LayerBlobSource;
import dev.dockfsck.repair.apply.NotRepairedException;
import dev.dockfsck.repair.apply.RootedFs;
import dev.dockfsck.repair.live.EngineStamp;
import dev.dockfsck.repair.live.LiveEngine;
import dev.dockfsck.repair.plan.Action;
import dev.dockfsck.repair.plan.Plan;
import dev.dockfsck.repair.plan.Planner;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code dockfsck repair --preen}: the repair a boot may do without a person (e2fsck {@code -p}).
 * Refuses a live store, checks, plans as a full repair would (never with --force), keeps only the
 * {@link PreenPolicy preen-safe} actions, journals and applies them as {@link Repairer} does
 * (a crash resumes), checks again. What it did not dare is returned, for the caller to report.
 * An interrupted full repair's journal is left alone: a person chose that plan; preen then does
 * nothing and says so.
 */
public final class Preener {
    /**
     * @param plan      what the preen did (or, on a dry run, would do)
     * @param deferred  what it did not dare, left for {@code dockfsck repair}
     * @param notRepaired actions that could not prove their result and changed nothing
     * @param blockedBy when not null, the journal of an interrupted full repair that stopped the preen
     */
    /** An action that could not prove its result and changed nothing, and why. */
    public record NotRepaired(Action action, String why) {
    }

    public record Result(Plan plan, List<PreenPolicy.Deferred> deferred, List<NotRepaired> notRepaired, boolean resumed,
                         boolean applied, Report before, Report after, long bytesFreed, Path blockedBy) {
        /** e2fsck -p: 0 clean and untouched, 1 corrected and now clean, 4 errors left. */
        public int exitCode() {
            if (blockedBy != null) {
                return 4;
            }
            Report last = after != null ? after : before;
            if (last != null && !last.clean()) {
                return 4;
            }
            if (!deferred.isEmpty() || !notRepaired.isEmpty()) {
                return 4;
            }
            return applied ? 1 : 0;
        }
    }

    private final Repairer.Options options;

    /** The same options as a full repair's; {@code force} must be false. */
    public Preener(Repairer.Options options) {
        if (options.force()) {
            throw new IllegalArgumentException("a preen never removes containers (--force)");
        }
        this.options = options;
    }

    public Result run(Path root) throws Repairer.RefusedException, IOException {
        Optional<String> live = LiveEngine.find(root);
        if (live.isPresent()) {
            throw new Repairer.RefusedException("refusing to preen " + root + ": " + live.get()
                    + "; the boot unit runs before docker.service");
        }
        dev.dockfsck.model.Phases.mark("preen: live engine");
        // the CLI may have begun this read at start-up, after the same live-engine check (read: Prefetch)
        DataRoot store = read(root);
        dev.dockfsck.model.Phases.mark("preen: read store");
        Journal journal = new Journal(options.stateDir(), store.root().toString());
        Optional<Plan> pending = journal.pending();
        String stamp = EngineStamp.of(store.root());
        if (pending.isPresent() && journal.stamp().map(s -> !s.equals(stamp)).orElse(false)) {
            options.listener().stale(journal.dir());
            journal.abandon();
            pending = Optional.empty();
        }
        dev.dockfsck.model.Phases.mark("preen: journal, stamp");
        Report before = null;
        Plan plan;
        List<PreenPolicy.Deferred> deferred;
        boolean resumed = pending.isPresent();
        if (resumed) {
            plan = pending.get();
            if (!plan.actions().stream().allMatch(PreenPolicy::safe)) {
                // a person's interrupted repair: its removals are theirs to finish
                options.listener().planned(null, plan, true);
                return new Result(plan, List.of(), List.of(), true, false, null, null, 0, journal.dir());
            }
            deferred = List.of();
        } else {
            before = check(store);
            dev.dockfsck.model.Phases.mark("preen: check");
            Plan full = Planner.plan(before, new Planner.Options(false, options.extraNames(), options.blobs()));
            dev.dockfsck.model.Phases.mark("preen: planner");
            PreenPolicy.Split split = PreenPolicy.split(full, before);
            plan = split.preen();
            deferred = split.deferred();
            dev.dockfsck.model.Phases.mark("preen: plan");
        }
        options.listener().planned(before, plan, resumed);
        if (options.dryRun() || plan.isEmpty()) {
            return new Result(plan, deferred, List.of(), resumed, false, before, null, 0, null);
        }
        if (!resumed) {
            journal.begin(plan, stamp);
        }
        List<NotRepaired> notRepaired = new ArrayList<>();
        long freed = execute(plan, journal, new ApplyContext(new RootedFs(store.root()), options.stateDir(),
                options.blobs()), notRepaired);
        journal.finish();
        Report after = check(read(root));
        return new Result(plan, deferred, notRepaired, resumed, true, before, after, freed, null);
    }

    private long execute(Plan plan, Journal journal, ApplyContext ctx, List<NotRepaired> notRepaired) throws IOException {
        return Repairer.applyJournaled(plan, journal, ctx, options.listener(), "preen",
                (a, why) -> notRepaired.add(new NotRepaired(a, why)));
    }

    private Report check(DataRoot store) {
        return new Checker(options.verifier().apply(store.root())).check(store, new Checker.Options(options.deep(),
                Optional.empty(), options.jobs(), options.progress(), options.blobs().flatMap(LayerBlobSource::appStore),
                false));
    }

    private static DataRoot read(Path root) throws Repairer.RefusedException {
        try {
            return dev.dockfsck.model.store.Prefetch.takeOrRead(root);
        } catch (StoreException e) {
            throw new Repairer.RefusedException(e.getMessage());
        }
    }
}
