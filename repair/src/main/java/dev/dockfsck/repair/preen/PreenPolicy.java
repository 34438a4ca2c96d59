package dev.dockfsck.repair.preen;

import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.repair.plan.Action;
import dev.dockfsck.repair.plan.Plan;
import dev.dockfsck.repair.plan.RecordPendingRestore;
import dev.dockfsck.repair.plan.RemoveContainer;
import dev.dockfsck.repair.plan.RemoveLayer;
import dev.dockfsck.repair.plan.RemovePath;
import dev.dockfsck.repair.plan.WriteFile;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which actions of a full repair plan a preen may do: those that cannot lose a healthy object.
 * <ul>
 * <li>safe: rewrites in place that a digest or the store itself proves (a layer's files,
 * entries and metadata from the app store's verified blob or its own tar-split, a re-extracted
 * lost dir, a rebuilt tar-split, a written-back image config), the overlay2 {@code link},
 * {@code l/} links, {@code lower} and layer {@code size} files, a container's mount-id, init-id
 * and parent, the removal of dockerd's leftovers the check found (orphan dirs, write-sets,
 * import dirs, interrupted removals, {@code .tmp-*} files, dangling {@code l/} links), and the
 * record of images already lost before the run;</li>
 * <li>not dared, left for {@code dockfsck repair}: removing a layer, an image or a container; the
 * dirs and links only such a removal orphans; and rewriting {@code repositories.json} while
 * anything is not dared (the planner drops the tags of the images it removes).</li>
 * </ul>
 * The plan's order is kept. The decision is per action type and read only from the plan and the
 * report it came from, so a journaled preen plan resumes as it was planned.
 */
public final class PreenPolicy {
    /** Leftover codes whose finding's own path a preen may remove. */
    static final Set<FindingCode> LEFTOVERS = EnumSet.of(FindingCode.ORPHAN_CACHE_DIR, FindingCode.STALE_WRITE_SET,
            FindingCode.INTERRUPTED_REMOVAL, FindingCode.STALE_IMPORT_TMP, FindingCode.ATOMIC_WRITE_LEFTOVER);
    /** Pending-restore reasons a preen records: the image is gone whatever preen does. */
    static final Set<String> RECORDED = Set.of("lost-before-repair", "interrupted-load");

    /** An action a preen does not do, and why. */
    public record Deferred(Action action, String why) {
    }

    /** The preen part of a plan, and the rest. */
    public record Split(Plan preen, List<Deferred> deferred) {
    }

    private PreenPolicy() {
    }

    /**
     * Splits a full plan.
     *
     * @param report the check report the plan came from (the leftovers it found); null for a
     *               journaled plan, whose removals then count only as leftovers when a previous
     *               preen planned them
     */
    public static Split split(Plan plan, Report report) {
        Set<String> leftovers = new HashSet<>();
        if (report != null) {
            for (Finding f : report.findings()) {
                if (LEFTOVERS.contains(f.code()) || (f.code() == FindingCode.OVERLAY_SYMLINK_DANGLING
                        && f.subject().kind() == Subject.Kind.PATH)) {
                    leftovers.add(f.path());
                }
            }
        }
        List<Action> safe = new ArrayList<>();
        List<Deferred> deferred = new ArrayList<>();
        List<WriteFile> names = new ArrayList<>();
        for (Action a : plan.actions()) {
            if (isRepositories(a)) {
                names.add((WriteFile) a);
                safe.add(a); // decided below, once the rest is known
                continue;
            }
            Optional<String> not = whyNot(a, leftovers);
            if (not.isPresent()) {
                deferred.add(new Deferred(a, not.get()));
                continue;
            }
            if (a instanceof RecordPendingRestore r) {
                List<RecordPendingRestore.Image> lost = r.images().stream().filter(i -> RECORDED.contains(i.reason())).toList();
                if (lost.size() < r.images().size()) {
                    deferred.add(new Deferred(new RecordPendingRestore(r.images().stream()
                            .filter(i -> !RECORDED.contains(i.reason())).toList(), r.reasons()),
                            "records images only a removal would lose"));
                }
                if (!lost.isEmpty()) {
                    safe.add(new RecordPendingRestore(lost, r.reasons()));
                }
                continue;
            }
            safe.add(a);
        }
        deferLeftoversOfDeferredRemovals(safe, deferred);
        if (!deferred.isEmpty()) {
            for (WriteFile w : names) {
                safe.remove(w);
                deferred.add(new Deferred(w, "rebuilt on the assumption that the removals above are done: "
                        + "it would drop the tags of images that stay"));
            }
        }
        return new Split(new Plan(plan.root(), safe, plan.kept()), deferred);
    }

    /**
     * A leftover is not removed when a removal left for repair names it, or when that removal is
     * of a layer whose overlay2 dir is unknown (its cache-id lost): the orphan dir may be that
     * layer's content, which a person may still want (or a later repair recover).
     */
    private static void deferLeftoversOfDeferredRemovals(List<Action> safe, List<Deferred> deferred) {
        Set<String> named = new HashSet<>();
        List<String> dirLost = new ArrayList<>();
        for (Deferred d : deferred) {
            if (d.action() instanceof RemoveLayer rl) {
                if (rl.cacheDir() == null) {
                    dirLost.add(rl.chainId());
                } else {
                    named.add(rl.cacheDir());
                }
                if (rl.link() != null) {
                    named.add(rl.link());
                }
            } else if (d.action() instanceof RemoveContainer rc) {
                named.addAll(rc.paths());
            }
        }
        for (Action a : List.copyOf(safe)) {
            if (!(a instanceof RemovePath p)) {
                continue;
            }
            String why = null;
            if (named.stream().anyMatch(n -> p.path().equals(n) || p.path().startsWith(n + "/"))) {
                why = "part of a removal left for repair";
            } else if (!dirLost.isEmpty() && p.path().startsWith("overlay2/") && p.path().split("/").length == 2
                    && !p.path().equals("overlay2/l")) {
                why = "may be the overlay2 dir of layer " + dirLost.get(0) + (dirLost.size() > 1 ? " (and "
                        + (dirLost.size() - 1) + " more)" : "") + ", whose cache-id is lost";
            } else if (!dirLost.isEmpty() && p.path().startsWith("overlay2/l/")) {
                why = "may be the l/ link of layer " + dirLost.get(0) + ", whose cache-id is lost";
            }
            if (why != null) {
                safe.remove(a);
                deferred.add(new Deferred(a, why));
            }
        }
    }

    /** Whether a preen may do this action (for a plan that is already split: a journal). */
    public static boolean safe(Action a) {
        return isRepositories(a) || a instanceof RecordPendingRestore r
                && r.images().stream().allMatch(i -> RECORDED.contains(i.reason()))
                || (!(a instanceof RecordPendingRestore) && whyNot(a, null).isEmpty());
    }

    private static boolean isRepositories(Action a) {
        return a instanceof WriteFile w && w.path().endsWith("/repositories.json");
    }

    /** @param leftovers paths the check found as leftovers; null: any removal planned as a leftover */
    private static Optional<String> whyNot(Action a, Set<String> leftovers) {
        if (a instanceof RemoveLayer) {
            return Optional.of("removes a layer and what stands on it");
        }
        if (a instanceof RemoveContainer) {
            return Optional.of("removes a container");
        }
        if (a instanceof RemovePath p) {
            return removal(p, leftovers);
        }
        // in place, proven by a digest or the store itself: WriteFile, Symlink, HealLayerFiles,
        // RecreateEntries, ExtractLayer, RestoreEntryMetadata, RebuildTarSplit, WriteImageConfig;
        // RecordPendingRestore is filtered by the caller
        return Optional.empty();
    }

    private static Optional<String> removal(RemovePath p, Set<String> leftovers) {
        if (p.path().startsWith("overlay2/") && p.path().endsWith("/lower") && p.path().split("/").length == 3) {
            return Optional.empty(); // a base layer's stray lower: a lower fix
        }
        if (leftovers == null ? p.reasons().stream().anyMatch(PreenPolicy::leftoverReason) : leftovers.contains(p.path())) {
            return Optional.empty();
        }
        if (p.path().contains("/imagedb/")) {
            return Optional.of("removes an image");
        }
        return Optional.of("removes what only the removals above orphan");
    }

    private static boolean leftoverReason(String reason) {
        return LEFTOVERS.stream().anyMatch(c -> reason.startsWith(c + " ")) && !reason.contains("once the layers")
                || reason.startsWith(FindingCode.OVERLAY_SYMLINK_DANGLING + " ");
    }
}
