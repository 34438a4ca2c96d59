package dev.dockfsck.repair.plan;

import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Severity;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.fs.StoreFiles;
import dev.dockfsck.model.layer.Layer;
import dev.dockfsck.model.overlay.OverlayDir;
import dev.dockfsck.model.overlay.ShortLink;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Pass 2, layer metadata: a layer's layerdb files ({@code diff}, {@code size}, {@code cache-id},
 * {@code parent}) and its overlay2 dir ({@code link}, {@code l/}, {@code lower}, {@code diff/}).
 * In place what dockerd's naming or the disk gives: {@code size} from {@code diff/}, {@code link}
 * and its {@code l/} symlink, {@code lower} from the parent chain ({@link OverlayLinks}). Any other
 * damaging error that the content pass does not heal dooms the layer and every layer above it;
 * a doomed layer a kept container stands on stays (reported), the others are removed top-down in
 * dockerd's own order ({@link RemoveLayer}).
 */
final class LayerMetadataPass {
    /** Damage to a layer that in-place fixes cure; anything else damaging means removal. */
    private static final Set<FindingCode> IN_PLACE = EnumSet.of(FindingCode.OVERLAY_LINK_INVALID,
            FindingCode.OVERLAY_SYMLINK_MISSING, FindingCode.OVERLAY_SYMLINK_WRONG, FindingCode.OVERLAY_SYMLINK_DANGLING,
            FindingCode.OVERLAY_LOWER_INVALID,
            FindingCode.LAYER_PARENT_DAMAGED);

    private final PlanContext ctx;
    private final LayerContentPass content;
    private final Set<Digest> doomed = new TreeSet<>();
    private final Set<Digest> removed = new TreeSet<>();

    LayerMetadataPass(PlanContext ctx, LayerContentPass content) {
        this.ctx = ctx;
        this.content = content;
    }

    /** Whether an in-place fix of this pass cures the finding (so it does not doom its layer). */
    static boolean curedInPlace(Finding f) {
        return IN_PLACE.contains(f.code()) || isSizeOnly(f);
    }

    /** A missing or invalid {@code size} is recomputed in place from diff/. */
    private static boolean isSizeOnly(Finding f) {
        return (f.code() == FindingCode.LAYER_FILE_MISSING || f.code() == FindingCode.LAYER_FILE_INVALID)
                && Layer.SIZE.equals(f.evidence().get("file"));
    }

    /** Finds the layers beyond in-place repair and everything above them. */
    LayerMetadataPass run() {
        Set<Digest> broken = new TreeSet<>();
        for (Layer l : ctx.layers().values()) {
            if (fatal(Subject.layer(l.chainId()))) {
                broken.add(l.chainId());
            }
        }
        for (Digest d : broken) {
            above(d);
        }
        return this;
    }

    /** The layers no in-place fix saves (with everything above them), kept or not. */
    Set<Digest> doomed() {
        return doomed;
    }

    /** Decides removal: every doomed layer but those a kept container stands on. */
    void keepFor(Set<Digest> keptForContainers) {
        removed.addAll(doomed);
        for (Digest d : doomed) {
            if (keptForContainers.contains(d)) {
                removed.remove(d);
                ctx.keep("layer " + d.shortHex() + ": damaged, kept because a kept container stands on it");
            }
        }
    }

    /** The layers the plan removes. */
    Set<Digest> removed() {
        return removed;
    }

    private boolean fatal(Subject s) {
        for (Finding f : ctx.findings(s)) {
            if (content.cures(f)) {
                continue;
            }
            if (f.severity() == Severity.ERROR && f.code().damaging() && !curedInPlace(f)) {
                return true;
            }
        }
        return false;
    }

    private void above(Digest d) {
        if (doomed.add(d)) {
            for (Digest c : ctx.childrenOf(d)) {
                above(c);
            }
        }
    }

    /** The in-place fixes of every layer that is not doomed, in the store's order. */
    List<Action> fixes(OverlayLinks links) {
        List<Action> out = new ArrayList<>();
        for (Layer l : ctx.layers().values()) {
            if (!removed.contains(l.chainId()) && !doomed.contains(l.chainId())) {
                Subject s = Subject.layer(l.chainId());
                l.cacheId().optional().flatMap(id -> ctx.store.overlay2().dir(id)).ifPresent(dir -> {
                    out.addAll(links.fix(dir, links.expectedLower(l), links.reasons(s)));
                    boolean sizeBad = !l.size().isOk();
                    if (sizeBad && dir.diff() == FileKind.DIRECTORY) {
                        out.add(new WriteFile(ctx.rel(l.dir().resolve(Layer.SIZE)),
                                Long.toString(StoreFiles.diskUsage(dir.diffDir())), ctx.reasons(s, LayerMetadataPass::isSizeOnly)));
                    }
                });
            }
        }
        return out;
    }

    /** The removals, children before parents, as dockerd releases layers. */
    List<Action> removals() {
        List<Action> out = new ArrayList<>();
        for (Digest d : topDown()) {
            out.add(removeLayer(ctx.layers().get(d)));
        }
        return out;
    }

    private List<Digest> topDown() {
        List<Digest> out = new ArrayList<>();
        Set<Digest> done = new HashSet<>();
        for (Digest d : removed) {
            post(d, done, out);
        }
        return out;
    }

    private void post(Digest d, Set<Digest> done, List<Digest> out) {
        if (!done.add(d)) {
            return;
        }
        for (Digest c : ctx.childrenOf(d)) {
            if (removed.contains(c)) {
                post(c, done, out);
            }
        }
        out.add(d);
    }

    private RemoveLayer removeLayer(Layer l) {
        String cacheDir = null;
        String link = null;
        Optional<OverlayDir> dir = l.cacheId().optional().flatMap(id -> ctx.store.overlay2().dir(id));
        if (dir.isEmpty() && l.cacheId().optional().isEmpty()) {
            dir = lostCacheDir(l);
        }
        if (dir.isPresent()) {
            cacheDir = ctx.rel(dir.get().dir());
            Optional<String> name = dir.get().link().optional();
            ShortLink sl = name.map(ctx.store.overlay2().links()::get).orElse(null);
            if (sl != null && sl.targetDirId().map(dir.get().id()::equals).orElse(false)) {
                link = ctx.rel(sl.path());
            }
        }
        String rand = Digest.sha256Of(("dockfsck-removing:" + l.chainId()).getBytes(StandardCharsets.UTF_8)).hex()
                .substring(0, 12);
        List<String> why = new ArrayList<>(ctx.reasons(Subject.layer(l.chainId())));
        if (why.isEmpty()) {
            why.add("stands on a removed layer");
        }
        return new RemoveLayer(l.chainId().toString(), ctx.rel(l.dir()), rand, cacheDir, link, why);
    }

    /**
     * The overlay2 dir of a layer whose cache-id is lost: the dir a child's {@code lower} names
     * first (through its l/ link or its link file), if no layer claims it.
     */
    private Optional<OverlayDir> lostCacheDir(Layer l) {
        var overlay2 = ctx.store.overlay2();
        for (Layer child : ctx.layers().values()) {
            if (!child.parent().optional().map(l.chainId()::equals).orElse(false)) {
                continue;
            }
            Optional<String> first = child.cacheId().optional().flatMap(id -> overlay2.dir(id))
                    .flatMap(d -> d.lower().optional()).filter(lw -> !lw.isEmpty()).map(lw -> lw.get(0))
                    .filter(e -> e.startsWith("l/")).map(e -> e.substring(2));
            if (first.isEmpty()) {
                continue;
            }
            Optional<OverlayDir> viaLink = Optional.ofNullable(overlay2.links().get(first.get()))
                    .flatMap(ShortLink::targetDirId).flatMap(id -> overlay2.dir(id));
            Optional<OverlayDir> found = viaLink.isPresent() ? viaLink : overlay2.dirs().values().stream()
                    .filter(d -> d.link().optional().map(first.get()::equals).orElse(false)).findFirst();
            Set<String> claimed = new HashSet<>();
            ctx.layers().values().forEach(o -> o.cacheId().optional().ifPresent(claimed::add));
            ctx.store.layerDb().mounts().values().forEach(m -> {
                ctx.mountIdOf(m).ifPresent(claimed::add);
                m.initId().optional().or(() -> ctx.derivedInitId(m)).ifPresent(claimed::add);
            });
            if (found.isPresent() && !claimed.contains(found.get().id())) {
                return found;
            }
        }
        return Optional.empty();
    }
}
