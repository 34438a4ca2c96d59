package dev.dockfsck.repair.plan;

import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Severity;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.layer.Layer;
import dev.dockfsck.model.fs.Posix;
import dev.dockfsck.model.overlay.OverlayDir;
import dev.dockfsck.model.overlay.ShortLink;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Pass 1, layer content: what is wrong with the bytes of a layer (its {@code diff/} files and
 * entries, its tar-split), and who can rebuild them ({@link ContentSources}), asked in this order:
 * <ol>
 * <li>{@code LAYER_CONTENT_MISMATCH} (regular-file data) and {@code LAYER_ENTRY_MISMATCH} (lost
 * entries without content): healed in place ({@link HealLayerFiles}) from the app store's copy of
 * the layer tar when it holds one;</li>
 * <li>lost entries without content and entries whose mode, owner, xattrs, link target or node
 * differ, without a copy: restored from the layer's own tar-split headers ({@link RecreateEntries},
 * {@link RestoreEntryMetadata}); not whiteouts or opaque marks, which only a re-extraction makes;</li>
 * <li>a lost overlay2 dir or {@code diff/} ({@code LAYER_CACHE_DIR_MISSING},
 * {@code OVERLAY_DIFF_MISSING}) or damage beyond these: re-extracted into the same cache-id from
 * the app store's blob ({@link ExtractLayer});</li>
 * <li>{@code LAYER_TAR_SPLIT_MISSING} and {@code LAYER_TAR_SPLIT_CORRUPT}: rebuilt from the app
 * store's blob ({@link RebuildTarSplit}), accepted only if it re-assembles with {@code diff/} to
 * the diffID. Without an app store the layer stays (its content is usable, only no longer
 * provable or exportable) and the finding is reported as left alone ({@link #LEFT_ALONE}).</li>
 * </ol>
 * The layer keeps its chainID and cache-id. Any other damage of the same layer that no in-place
 * fix cures leaves the layer to the layer metadata pass, which removes it.
 */
final class LayerContentPass {
    /** Findings of this subject no action cures: reported as left alone unless the layer is removed anyway. */
    static final Set<FindingCode> LEFT_ALONE = EnumSet.of(FindingCode.LAYER_TAR_SPLIT_MISSING,
            FindingCode.LAYER_TAR_SPLIT_CORRUPT);
    /** The findings a heal action cures. */
    static final Set<FindingCode> HEALED_CODES = EnumSet.of(FindingCode.LAYER_CONTENT_MISMATCH,
            FindingCode.LAYER_ENTRY_MISMATCH);
    /** Damage kinds healing can undo: the data of regular files, never their type or name. */
    private static final Set<String> HEALABLE_KINDS = Set.of("missing", "wrong_size", "content_differs");
    /** Lost entries without content healing can recreate from the tar (a FIFO needs mkfifo: not from Java). */
    private static final Set<String> HEALABLE_ENTRIES = Set.of("directory", "symlink", "hardlink", "empty_file");

    private final PlanContext ctx;
    private final List<Action> actions = new ArrayList<>();
    private final Set<Digest> healed = new HashSet<>();

    LayerContentPass(PlanContext ctx) {
        this.ctx = ctx;
    }

    /** Plans the heals, layer by layer in the store's order. */
    LayerContentPass run() {
        OverlayLinks links = new OverlayLinks(ctx);
        for (Layer l : ctx.layers().values()) {
            List<Action> mine = heal(l).map(List::of)
                    .or(() -> restoreFromOwnHeaders(l))
                    .or(() -> reextract(l, links).map(List::of))
                    .or(() -> rebuildTarSplit(l).map(List::of))
                    .orElse(List.of());
            if (!mine.isEmpty()) {
                actions.addAll(mine);
                healed.add(l.chainId());
            }
        }
        return this;
    }

    /** The heal actions, in layer order. */
    List<Action> actions() {
        return actions;
    }

    /** Whether this pass cures the finding (a heal of its layer is planned). */
    boolean cures(Finding f) {
        if (f.subject().kind() != Subject.Kind.LAYER || !healed.contains(Digest.parse(f.subject().id()))) {
            return false;
        }
        return HEALED_CODES.contains(f.code()) || (rebuilt.contains(Digest.parse(f.subject().id()))
                && (LEFT_ALONE.contains(f.code()) || DIR_LOST.contains(f.code())));
    }

    /** Layers whose overlay2 dir or tar-split this pass writes anew (their loss is cured too). */
    private final Set<Digest> rebuilt = new HashSet<>();

    /** A layer's files gone as a whole: re-extraction from a copy of the layer cures it. */
    static final Set<FindingCode> DIR_LOST = EnumSet.of(FindingCode.LAYER_CACHE_DIR_MISSING,
            FindingCode.OVERLAY_DIFF_MISSING);
    /** Entries whose metadata, or whose node, the layer's own headers restore ({@link RestoreEntryMetadata}). */
    private static final Set<String> NODES = Set.of("fifo", "symlink");

    /**
     * Entries whose mode, owner, xattrs, link target or node differ, or a lost FIFO, restored from
     * the layer's own tar-split headers (with lost entries without content recreated beside):
     * needs no copy of the layer, only what the deep check proved. Empty when a file's content is
     * damaged too, or an entry is of a kind these cannot make.
     */
    private Optional<List<Action>> restoreFromOwnHeaders(Layer l) {
        Subject s = Subject.layer(l.chainId());
        List<Finding> mine = ctx.findings(s);
        Optional<Finding> lost = mine.stream().filter(f -> f.code() == FindingCode.LAYER_ENTRY_MISMATCH).findFirst();
        if (lost.isEmpty() || mine.stream().anyMatch(f -> f.code() == FindingCode.LAYER_CONTENT_MISMATCH)
                || otherFatal(mine, Set.of()) || !Posix.available() || !ctx.sources.ownHeaders(l)) {
            return Optional.empty();
        }
        Optional<OverlayDir> dir = l.cacheId().optional().flatMap(id -> ctx.store.overlay2().dir(id));
        Map<String, Object> ev = lost.get().evidence();
        Optional<List<String>> recreate = healable(filtered(ev, m -> "missing".equals(String.valueOf(m.get("kind")))
                && HEALABLE_ENTRIES.contains(String.valueOf(m.get("expected")))), "damaged_entries", "damaged_entries_total",
                m -> true);
        Optional<List<String>> restore = healable(filtered(ev, m -> !("missing".equals(String.valueOf(m.get("kind")))
                && HEALABLE_ENTRIES.contains(String.valueOf(m.get("expected"))))), "damaged_entries", "damaged_entries_total",
                m -> {
                    String kind = String.valueOf(m.get("kind"));
                    String expected = String.valueOf(m.get("expected"));
                    // whiteouts and opaque marks are overlay2's rendering of a header, not the header's
                    // own metadata: RestoreEntryMetadata cannot restore them (a re-extraction can)
                    boolean overlayMark = "whiteout".equals(expected) || ("xattr".equals(String.valueOf(m.get("field")))
                            && String.valueOf(m.get("xattr")).startsWith("trusted.overlay."));
                    return !overlayMark && !String.valueOf(m.get("name")).contains(".wh.") && ("metadata".equals(kind)
                            || (("missing".equals(kind) || "wrong_type".equals(kind)) && NODES.contains(expected)));
                });
        int total = ev.get("damaged_entries") instanceof List<?> all ? all.size() : -1;
        int got = recreate.map(List::size).orElse(0) + restore.map(List::size).orElse(0);
        if (dir.isEmpty() || restore.isEmpty() || got != total || !Integer.valueOf(total).equals(ev.get("damaged_entries_total"))) {
            return Optional.empty();
        }
        List<String> why = List.of(FindingCode.LAYER_ENTRY_MISMATCH + " " + s);
        List<Action> out = new ArrayList<>();
        String diffDir = ctx.rel(dir.get().diffDir());
        recreate.ifPresent(r -> out.add(new RecreateEntries(l.chainId().toString(), diffDir, ctx.rel(l.tarSplitPath()), r, why)));
        out.add(new RestoreEntryMetadata(l.chainId().toString(), diffDir, ctx.rel(l.tarSplitPath()), restore.get(), why));
        return Optional.of(out);
    }

    /** The evidence with only the damaged entries {@code keep} accepts, the total adjusted. */
    private static Map<String, Object> filtered(Map<String, Object> ev, Predicate<Map<?, ?>> keep) {
        if (!(ev.get("damaged_entries") instanceof List<?> items)) {
            return Map.of();
        }
        List<Object> kept = items.stream().filter(o -> o instanceof Map<?, ?> m && keep.test(m)).map(o -> (Object) o).toList();
        Map<String, Object> out = new java.util.HashMap<>();
        out.put("damaged_entries", kept);
        out.put("damaged_entries_total", kept.size());
        return out;
    }

    /** Any error on the layer that neither this pass nor an in-place fix cures, {@code alsoCured} aside. */
    private static boolean otherFatal(List<Finding> mine, Set<FindingCode> alsoCured) {
        return mine.stream().anyMatch(f -> f.severity() == Severity.ERROR && f.code().damaging()
                && !HEALED_CODES.contains(f.code()) && !alsoCured.contains(f.code()) && !LayerMetadataPass.curedInPlace(f));
    }

    /**
     * The layer's overlay2 dir (or its diff/) lost, or its files damaged beyond what file-by-file
     * healing undoes: re-extracted into the same cache-id from the app store's copy of the layer
     * ({@link ExtractLayer}), with its tar-split when that was lost too. Needs its short link
     * (still named by an l/ entry or its link file) and its parents' links for {@code lower}.
     */
    private Optional<Action> reextract(Layer l, OverlayLinks links) {
        Subject s = Subject.layer(l.chainId());
        List<Finding> mine = ctx.findings(s);
        Optional<Digest> diffId = l.diffId().optional();
        Optional<String> cacheId = l.cacheId().optional();
        boolean damaged = mine.stream().anyMatch(f -> DIR_LOST.contains(f.code()) || HEALED_CODES.contains(f.code()));
        if (!damaged || diffId.isEmpty() || cacheId.isEmpty() || !Posix.available()
                || otherFatal(mine, DIR_LOST) || ctx.sources.layerTar(diffId.get()).isEmpty()) {
            return Optional.empty();
        }
        Optional<String> link = links.linkOf(cacheId.get()).or(() -> ctx.store.overlay2().links().values().stream()
                .filter(sl -> sl.targetDirId().map(cacheId.get()::equals).orElse(false)).map(ShortLink::name).findFirst())
                .or(() -> linkNamedAbove(l));
        Optional<List<String>> lower = links.expectedLower(l);
        if (link.isEmpty() || lower.isEmpty()) {
            return Optional.empty();
        }
        boolean tarSplitLost = mine.stream().anyMatch(f -> LEFT_ALONE.contains(f.code()));
        rebuilt.add(l.chainId());
        ctx.restore(ctx.store.driver() + "/l/" + link.get());
        return Optional.of(new ExtractLayer(l.chainId().toString(), ctx.store.driver() + "/" + cacheId.get(),
                diffId.get().toString(), ctx.sources.layerTar(diffId.get()).get(), link.get(), String.join(":", lower.get()),
                !l.isBase(), !ctx.childrenOf(l.chainId()).isEmpty(), tarSplitLost ? ctx.rel(l.tarSplitPath()) : null,
                ctx.reasons(s)));
    }

    /**
     * The short link id that the dirs standing directly on the layer name first in their
     * {@code lower} (its child layers', the init dirs of containers on it): what a lost dir's
     * {@code link} held, when its {@code l/} entry is gone too.
     */
    private Optional<String> linkNamedAbove(Layer l) {
        List<OverlayDir> above = new ArrayList<>();
        for (Digest child : ctx.childrenOf(l.chainId())) {
            Optional.ofNullable(ctx.layers().get(child)).flatMap(c -> c.cacheId().optional())
                    .flatMap(id -> ctx.store.overlay2().dir(id)).ifPresent(above::add);
        }
        ctx.store.layerDb().mounts().values().stream()
                .filter(m -> m.parent().optional().map(l.chainId()::equals).orElse(false))
                .forEach(m -> m.initId().optional().or(() -> ctx.derivedInitId(m))
                        .flatMap(id -> ctx.store.overlay2().dir(id)).ifPresent(above::add));
        List<String> named = above.stream().map(d -> d.lower().optional().orElse(List.of())).filter(lower -> !lower.isEmpty())
                .map(lower -> lower.get(0)).filter(e -> e.matches("l/[A-Z2-7]{26}")).map(e -> e.substring(2))
                .distinct().toList();
        // only when they agree, and no other dir has that link
        return named.size() == 1 && !ctx.store.overlay2().links().containsKey(named.get(0)) ? Optional.of(named.get(0)) : Optional.empty();
    }

    /**
     * A lost or cut tar-split of a layer whose files are there: rebuilt from the app store's copy
     * of the layer and proven against diff/ before it is put in place ({@link RebuildTarSplit}).
     */
    private Optional<Action> rebuildTarSplit(Layer l) {
        Subject s = Subject.layer(l.chainId());
        List<Finding> mine = ctx.findings(s);
        Optional<Digest> diffId = l.diffId().optional();
        Optional<OverlayDir> dir = l.cacheId().optional().flatMap(id -> ctx.store.overlay2().dir(id));
        if (mine.stream().noneMatch(f -> LEFT_ALONE.contains(f.code())) || diffId.isEmpty() || dir.isEmpty()
                || otherFatal(mine, Set.of()) || ctx.sources.layerTar(diffId.get()).isEmpty()) {
            return Optional.empty();
        }
        rebuilt.add(l.chainId());
        return Optional.of(new RebuildTarSplit(l.chainId().toString(), ctx.rel(l.tarSplitPath()),
                ctx.rel(dir.get().diffDir()), diffId.get().toString(), ctx.sources.layerTar(diffId.get()).get(),
                ctx.reasons(s, f -> LEFT_ALONE.contains(f.code()))));
    }

    /**
     * A heal action for a layer whose only fatal damage is regular-file content and lost entries
     * without content (directories, links, empty files) that a source can rebuild; empty
     * otherwise (then the layer is removed and re-injected).
     */
    private Optional<Action> heal(Layer l) {
        if (l.diffId().optional().isEmpty()) {
            return Optional.empty();
        }
        Subject s = Subject.layer(l.chainId());
        List<Finding> mine = ctx.findings(s);
        Optional<Finding> mismatch = mine.stream().filter(f -> f.code() == FindingCode.LAYER_CONTENT_MISMATCH).findFirst();
        Optional<Finding> lost = mine.stream().filter(f -> f.code() == FindingCode.LAYER_ENTRY_MISMATCH).findFirst();
        if (mismatch.isEmpty() && lost.isEmpty()) {
            return Optional.empty();
        }
        boolean otherFatal = mine.stream().anyMatch(f -> f.severity() == Severity.ERROR && f.code().damaging()
                && !HEALED_CODES.contains(f.code()) && !LayerMetadataPass.curedInPlace(f));
        Optional<OverlayDir> dir = l.cacheId().optional().flatMap(id -> ctx.store.overlay2().dir(id));
        if (otherFatal || dir.isEmpty()) {
            return Optional.empty();
        }
        Optional<List<String>> names = mismatch.isEmpty() ? Optional.of(List.of())
                : healable(mismatch.get().evidence(), "damaged_files", "damaged_files_total",
                        m -> HEALABLE_KINDS.contains(String.valueOf(m.get("kind"))));
        Optional<List<String>> entries = lost.isEmpty() ? Optional.of(List.of())
                : healable(lost.get().evidence(), "damaged_entries", "damaged_entries_total",
                        m -> "missing".equals(String.valueOf(m.get("kind")))
                                && HEALABLE_ENTRIES.contains(String.valueOf(m.get("expected"))));
        if (names.isEmpty() || entries.isEmpty()) {
            return Optional.empty();
        }
        Digest diffId = l.diffId().optional().orElseThrow();
        List<String> reasons = new ArrayList<>();
        mismatch.ifPresent(f -> reasons.add(FindingCode.LAYER_CONTENT_MISMATCH + " " + s));
        lost.ifPresent(f -> reasons.add(FindingCode.LAYER_ENTRY_MISMATCH + " " + s));
        Optional<String> copy = ctx.sources.layerTar(diffId);
        if (copy.isPresent()) {
            return Optional.of(new HealLayerFiles(l.chainId().toString(), ctx.rel(dir.get().diffDir()), diffId.toString(),
                    copy.get(), names.get(), entries.get(), reasons));
        }
        // no copy of the layer: lost entries alone can be made from the layer's own tar-split,
        // whose headers the deep check just proved (the re-assembled tar hashed to the diffID)
        if (mismatch.isEmpty() && ctx.sources.ownHeaders(l)) {
            return Optional.of(new RecreateEntries(l.chainId().toString(), ctx.rel(dir.get().diffDir()),
                    ctx.rel(l.tarSplitPath()), entries.get(), reasons));
        }
        return Optional.empty();
    }

    /**
     * The names of a damage list in a finding's evidence when every one of them can be healed
     * (complete list, each accepted by {@code ok}, each a plain relative path); empty otherwise.
     */
    private static Optional<List<String>> healable(Map<String, Object> ev, String listKey, String totalKey,
                                                   Predicate<Map<?, ?>> ok) {
        if (!(ev.get(listKey) instanceof List<?> items) || items.isEmpty()
                || !Integer.valueOf(items.size()).equals(ev.get(totalKey))) {
            return Optional.empty();
        }
        List<String> names = new ArrayList<>();
        for (Object o : items) {
            if (!(o instanceof Map<?, ?> m) || !ok.test(m)) {
                return Optional.empty();
            }
            String name = String.valueOf(m.get("name"));
            while (name.startsWith("./")) {
                name = name.substring(2);
            }
            while (name.endsWith("/")) {
                name = name.substring(0, name.length() - 1);
            }
            List<String> parts = List.of(name.split("/", -1));
            if (name.contains("\\x") || name.isEmpty() || name.startsWith("/") || parts.contains("..")
                    || parts.contains(".") || parts.contains("")) {
                return Optional.empty();
            }
            names.add(name);
        }
        return Optional.of(names);
    }
}
