package dev.dockfsck.repair.plan;

import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.overlay.OverlayDir;
import dev.dockfsck.model.overlay.ShortLink;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Pass 6, leftovers: what dockerd left half-made and never cleans up is removed
 * ({@link #REMOVED}; a removed container's RW layer record only with {@code --force}); so are
 * the overlay2 dirs and {@code l/} links that only the plan's own removals orphan. What dockfsck
 * does not understand ({@code UNEXPECTED_ENTRY}) is left alone and reported.
 */
final class LeftoversPass {
    /** The leftover codes: each finding's path is removed. */
    static final Set<FindingCode> REMOVED = EnumSet.of(FindingCode.ORPHAN_CACHE_DIR,
            FindingCode.STALE_WRITE_SET, FindingCode.INTERRUPTED_REMOVAL, FindingCode.STALE_IMPORT_TMP,
            FindingCode.ATOMIC_WRITE_LEFTOVER);
    /** Never removed: reported as left alone. */
    static final Set<FindingCode> LEFT_ALONE = EnumSet.of(FindingCode.UNEXPECTED_ENTRY);

    private final PlanContext ctx;

    LeftoversPass(PlanContext ctx) {
        this.ctx = ctx;
    }

    /** The removal of each leftover the check found, in the report's order. */
    List<Action> removals() {
        List<Action> out = new ArrayList<>();
        for (Finding f : ctx.report.findings()) {
            if (REMOVED.contains(f.code()) || (f.code() == FindingCode.OVERLAY_SYMLINK_DANGLING
                    && f.subject().kind() == Subject.Kind.PATH)) {
                if (f.code() == FindingCode.INTERRUPTED_REMOVAL && f.path().contains("/layerdb/mounts/")
                        && !ctx.options.force()) {
                    ctx.keep(f.path() + ": RW layer record of a removed container, kept (use --force)");
                    continue;
                }
                if (ctx.restored(f.path())) {
                    continue; // a dangling l/ link whose dir the plan re-extracts
                }
                out.add(new RemovePath(f.path(), List.of(f.code() + " " + f.subject())));
            }
        }
        return out;
    }

    /** What the plan's own removals leave orphaned: dirs only removed dirs stood on, links into removed dirs. */
    List<Action> orphanedBy(List<Action> planned) {
        List<Action> all = new ArrayList<>(planned);
        List<Action> out = new ArrayList<>(dirsOrphanedByPlan(all));
        all.addAll(out);
        out.addAll(linksIntoRemovedDirs(all));
        return out;
    }

    /** Root-relative paths the actions remove. */
    private static Set<String> removedPaths(List<Action> actions) {
        Set<String> removed = new HashSet<>();
        for (Action a : actions) {
            if (a instanceof RemoveLayer rl) {
                Stream.of(rl.cacheDir(), rl.link()).filter(Objects::nonNull).forEach(removed::add);
            } else if (a instanceof RemoveContainer rc) {
                removed.addAll(rc.paths());
            } else if (a instanceof RemovePath rp) {
                removed.add(rp.path());
            }
        }
        return removed;
    }

    /**
     * overlay2 dirs that no layer or container names and that only removed dirs stand on: the
     * checker does not call them orphans while a {@code lower} still names them (the dir of a
     * layer whose layerdb entry was lost, under a child), but once the plan removes every dir
     * standing on them they are, and leaving them would need a second repair.
     */
    private List<Action> dirsOrphanedByPlan(List<Action> actions) {
        Set<String> removed = removedPaths(actions);
        String overlay = ctx.store.driver() + "/";
        Set<String> used = new HashSet<>();
        ctx.layers().values().forEach(l -> l.cacheId().optional().ifPresent(used::add));
        ctx.store.layerDb().mounts().values().forEach(m -> {
            ctx.mountIdOf(m).ifPresent(id -> {
                used.add(id);
                used.add(id + OverlayDir.INIT_SUFFIX);
            });
            m.initId().optional().ifPresent(used::add);
        });
        Set<String> lowerLinksAfter = new HashSet<>();
        for (OverlayDir d : ctx.store.overlay2().dirs().values()) {
            if (!removed.contains(overlay + d.id())) {
                for (String entry : d.lower().optional().orElse(List.of())) {
                    if (entry.startsWith("l/")) {
                        lowerLinksAfter.add(entry.substring(2));
                    }
                }
            }
        }
        List<Action> out = new ArrayList<>();
        for (OverlayDir d : ctx.store.overlay2().dirs().values()) {
            String rel = ctx.rel(d.dir());
            if (used.contains(d.id()) || removed.contains(rel)) {
                continue;
            }
            boolean stoodOn = d.link().optional().isPresent();
            if (stoodOn && !d.link().optional().map(lowerLinksAfter::contains).orElse(false)) {
                out.add(new RemovePath(rel, List.of(FindingCode.ORPHAN_CACHE_DIR + " " + Subject.path(rel)
                        + ": used by no layer or container once the layers standing on it are removed")));
            }
        }
        return out;
    }

    /** l/ entries that point into an overlay2 dir the plan removes and that no action removes yet. */
    private List<Action> linksIntoRemovedDirs(List<Action> actions) {
        Set<String> removed = removedPaths(actions);
        String overlay = ctx.store.driver() + "/";
        List<Action> out = new ArrayList<>();
        for (ShortLink sl : ctx.store.overlay2().links().values()) {
            String rel = ctx.rel(sl.path());
            if (!removed.contains(rel) && sl.targetDirId().map(id -> removed.contains(overlay + id)).orElse(false)) {
                out.add(new RemovePath(rel, List.of("points into removed " + overlay + sl.targetDirId().get())));
            }
        }
        return out;
    }
}
