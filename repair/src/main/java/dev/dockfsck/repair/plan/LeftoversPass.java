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

    /**
     * What the plan's own removals leave orphaned: the dirs of removed containers that could not
     * be named, dirs only removed dirs stood on, links into removed dirs.
     */
    List<Action> orphanedBy(List<Action> planned, Set<String> removedContainers) {
        List<Action> all = new ArrayList<>(planned);
        List<Action> out = new ArrayList<>(unnamedContainerDirs(all, removedContainers));
        all.addAll(out);
        out.addAll(dirsOrphanedByPlan(all));
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
     * The RW and init dirs of removed containers whose mount record could not name them: dockerd
     * writes {@code layerdb/mounts/<id>/mount-id} and {@code init-id} without a sync, so a power
     * cut during {@code docker run} can leave both empty (or the record missing) beside
     * {@code overlay2/<X>} and {@code <X>-init}. While such a container exists the checker
     * reports no container-shaped dir ({@code X} beside {@code X-init}) as an orphan, since it may
     * be that container's; once the plan removes every such container (only with {@code --force}),
     * the container-shaped dirs no layer and no remaining mount record names are its, and are
     * removed with it, so one repair leaves no orphan behind.
     */
    private List<Action> unnamedContainerDirs(List<Action> actions, Set<String> removedContainers) {
        Set<String> unnamed = new java.util.TreeSet<>();
        for (String id : ctx.store.containers().keySet()) {
            if (lacksRecord(id)) {
                if (!removedContainers.contains(id)) {
                    return List.of(); // a container without a record stays: any such dir may be its
                }
                unnamed.add(id);
            }
        }
        if (unnamed.isEmpty()) {
            return List.of();
        }
        Set<String> removed = removedPaths(actions);
        Set<String> used = usedDirIds();
        // not "CODE subject": these are no finding of the check, but what a forced removal orphans
        // (a resumed preen journal must not take them for leftovers)
        String whose = unnamed.stream().map(id -> id.substring(0, Math.min(12, id.length()))).collect(java.util.stream.Collectors.joining(", "));
        List<OverlayDir> candidates = new ArrayList<>();
        Set<String> gone = new HashSet<>(removed);
        for (OverlayDir d : ctx.store.overlay2().dirs().values()) {
            String rel = ctx.rel(d.dir());
            if (ctx.store.overlay2().containerShaped(d) && !used.contains(d.id()) && !removed.contains(rel)) {
                candidates.add(d);
                gone.add(rel);
            }
        }
        // what a dir that stays stands on stays too (a container's init dir is a lower of its RW dir only)
        Set<String> staying = lowerLinks(gone);
        List<Action> out = new ArrayList<>();
        for (OverlayDir d : candidates) {
            if (d.link().optional().map(staying::contains).orElse(false)) {
                continue;
            }
            String rel = ctx.rel(d.dir());
            out.add(new RemovePath(rel, List.of("a read-write or init dir of container " + whose
                    + " (removed with --force), which its mount record no longer names")));
        }
        return out;
    }

    /** A container whose layerdb mount record is missing or names neither its RW nor its init dir. */
    private boolean lacksRecord(String containerId) {
        var m = ctx.store.layerDb().mounts().get(containerId);
        return m == null || m.namesNoDir();
    }

    /** The overlay2 dir ids a layer's cache-id or a mount record names (the RW dir, its init dir). */
    private Set<String> usedDirIds() {
        Set<String> used = new HashSet<>();
        ctx.layers().values().forEach(l -> l.cacheId().optional().ifPresent(used::add));
        ctx.store.layerDb().mounts().values().forEach(m -> {
            ctx.mountIdOf(m).ifPresent(id -> {
                used.add(id);
                used.add(id + OverlayDir.INIT_SUFFIX);
            });
            m.initId().optional().ifPresent(used::add);
        });
        return used;
    }

    /**
     * overlay2 dirs that no layer or container names and that only removed dirs stand on: the
     * checker does not call them orphans while a {@code lower} still names them (the dir of a
     * layer whose layerdb entry was lost, under a child), but once the plan removes every dir
     * standing on them they are, and leaving them would need a second repair.
     */
    private List<Action> dirsOrphanedByPlan(List<Action> actions) {
        Set<String> removed = removedPaths(actions);
        Set<String> used = usedDirIds();
        Set<String> lowerLinksBefore = lowerLinks(Set.of());
        List<Action> out = new ArrayList<>();
        boolean more = true;
        while (more) { // a dir only a dir removed here stood on goes too, down the chain
            more = false;
            Set<String> lowerLinksAfter = lowerLinks(removed);
            for (OverlayDir d : ctx.store.overlay2().dirs().values()) {
                String rel = ctx.rel(d.dir());
                if (used.contains(d.id()) || removed.contains(rel)) {
                    continue;
                }
                // only what stood under another before: a dir no lower ever named is the checker's to judge
                // (a container's RW dir its lost mount record no longer names is no orphan)
                boolean stoodOn = d.link().optional().map(lowerLinksBefore::contains).orElse(false);
                if (stoodOn && !d.link().optional().map(lowerLinksAfter::contains).orElse(false)) {
                    out.add(new RemovePath(rel, List.of(FindingCode.ORPHAN_CACHE_DIR + " " + Subject.path(rel)
                            + ": used by no layer or container once the layers standing on it are removed")));
                    removed.add(rel);
                    more = true;
                }
            }
        }
        return out;
    }

    /** The link ids named in the {@code lower} of every overlay2 dir not among the removed paths. */
    private Set<String> lowerLinks(Set<String> removed) {
        Set<String> out = new HashSet<>();
        for (OverlayDir d : ctx.store.overlay2().dirs().values()) {
            if (!removed.contains(ctx.rel(d.dir()))) {
                for (String entry : d.lower().optional().orElse(List.of())) {
                    if (entry.startsWith("l/")) {
                        out.add(entry.substring(2));
                    }
                }
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
