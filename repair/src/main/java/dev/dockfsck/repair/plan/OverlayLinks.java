package dev.dockfsck.repair.plan;

import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.layer.Layer;
import dev.dockfsck.model.overlay.OverlayDir;
import dev.dockfsck.model.overlay.ShortLink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * overlay2's short links as they must be once the plan is done: the {@code l/} id each surviving
 * dir has, and the in-place fixes of a dir's {@code link}, its {@code l/} symlink and its
 * {@code lower} (rebuilt from the parent chain's links). Shared by the layer metadata and
 * container passes, which own the dirs. Deterministic: a new id is derived from the dir it names.
 */
final class OverlayLinks {
    private final PlanContext ctx;
    /** dir id -> the l/ id it has after the plan. */
    private final Map<String, String> linkAfter;

    OverlayLinks(PlanContext ctx) {
        this.ctx = ctx;
        this.linkAfter = plannedLinks();
    }

    /** The short link id each surviving overlay dir will have once the plan is done. */
    private Map<String, String> plannedLinks() {
        var overlay2 = ctx.store.overlay2();
        Map<String, String> pointing = new HashMap<>();
        for (ShortLink sl : overlay2.links().values()) {
            sl.targetDirId().ifPresent(id -> pointing.putIfAbsent(id, sl.name()));
        }
        Map<String, String> out = new HashMap<>();
        Set<String> taken = new HashSet<>(overlay2.links().keySet());
        for (OverlayDir d : overlay2.dirs().values()) {
            Optional<String> link = d.link().optional();
            if (link.isPresent()) {
                ShortLink sl = overlay2.links().get(link.get());
                boolean ours = sl == null || sl.targetDirId().map(d.id()::equals).orElse(false)
                        || sl.targetDirId().flatMap(t -> overlay2.dir(t)).flatMap(o -> o.link().optional())
                        .map(other -> !other.equals(link.get())).orElse(true);
                if (ours) {
                    out.put(d.id(), link.get());
                    continue;
                }
            }
            // link lost or stolen: reuse an l/ entry that still points at this dir, else a new id
            String name = pointing.get(d.id());
            if (name == null || (link.isPresent() && name.equals(link.get()))) {
                name = newLinkId(d.id(), taken);
            }
            taken.add(name);
            out.put(d.id(), name);
        }
        return out;
    }

    /** A 26-character [A-Z2-7] id like dockerd's, derived from the dir id so plans are reproducible. */
    static String newLinkId(String dirId, Set<String> taken) {
        for (int salt = 0; ; salt++) {
            byte[] h = Digest.newSha256().digest(("dockfsck-link:" + dirId + ":" + salt).getBytes(StandardCharsets.UTF_8));
            StringBuilder b = new StringBuilder();
            String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
            for (int i = 0; i < 26; i++) {
                b.append(alphabet.charAt((h[i] & 0xff) % 32));
            }
            if (!taken.contains(b.toString())) {
                return b.toString();
            }
        }
    }

    /** The l/ id of a dir after the plan, if it survives. */
    Optional<String> linkOf(String dirId) {
        return Optional.ofNullable(linkAfter.get(dirId));
    }

    /**
     * The fixes that give a dir its planned {@code link} and {@code l/} symlink and, when
     * {@code lower} is known, that lower (an empty one: none, as a base layer has).
     */
    List<Action> fix(OverlayDir dir, Optional<List<String>> lower, List<String> why) {
        List<Action> fixes = new ArrayList<>();
        String link = linkAfter.get(dir.id());
        if (link == null) {
            return fixes;
        }
        if (!dir.link().optional().map(link::equals).orElse(false)) {
            fixes.add(new WriteFile(ctx.rel(dir.dir().resolve(OverlayDir.LINK)), link, why));
        }
        ShortLink sl = ctx.store.overlay2().links().get(link);
        String target = "../" + dir.id() + "/diff";
        if (sl == null || !sl.target().map(target::equals).orElse(false)) {
            fixes.add(new Symlink(ctx.rel(dir.dir().getParent().resolve("l").resolve(link)), target, why));
        }
        lower.ifPresent(expected -> {
            Path p = dir.dir().resolve(OverlayDir.LOWER);
            if (expected.isEmpty()) {
                if (!dir.lower().isMissing()) {
                    fixes.add(new RemovePath(ctx.rel(p), why));
                }
            } else if (!dir.lower().optional().map(expected::equals).orElse(false)) {
                fixes.add(new WriteFile(ctx.rel(p), String.join(":", expected), why));
            }
        });
        return fixes;
    }

    /** Memo of {@link #expectedLower}: every layer asks for its chain, a child's is its parent's plus one. */
    private final Map<Digest, Optional<List<String>>> lowerMemo = new HashMap<>();

    /** The {@code lower} a dir on this layer's dir has: its parents' links, nearest first (unmodifiable). */
    Optional<List<String>> expectedLower(Layer l) {
        return expectedLower(l, new HashSet<>());
    }

    /** A child's lower is its parent's link, then the parent's lower: each layer's chain is walked once. */
    private Optional<List<String>> expectedLower(Layer l, Set<Digest> visiting) {
        Optional<List<String>> memo = lowerMemo.get(l.chainId());
        if (memo != null) {
            return memo;
        }
        if (l.isBase()) {
            memo = Optional.of(List.of());
        } else if (!visiting.add(l.chainId())) {
            return Optional.empty(); // a cycle: no lower for any layer on it (memoized by the callers)
        } else {
            Layer parent = l.parent().optional().map(ctx.layers()::get).orElse(null);
            String link = parent == null ? null : parent.cacheId().optional().map(linkAfter::get).orElse(null);
            memo = parent == null || link == null ? Optional.empty()
                    : expectedLower(parent, visiting).map(rest -> List.copyOf(prepend(link, rest)));
        }
        lowerMemo.put(l.chainId(), memo);
        return memo;
    }

    static List<String> prepend(String link, List<String> rest) {
        List<String> out = new ArrayList<>();
        out.add("l/" + link);
        out.addAll(rest);
        return out;
    }

    /** The findings an overlay-dir fix answers; when none names it, the fix follows from a neighbour's. */
    List<String> reasons(Subject s) {
        List<String> r = ctx.reasons(s, f -> f.code().name().startsWith("OVERLAY_"));
        return r.isEmpty() ? List.of("lower follows the repaired links of the parent chain") : r;
    }
}
