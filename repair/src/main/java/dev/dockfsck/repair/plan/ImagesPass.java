package dev.dockfsck.repair.plan;

import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.fs.StoreFiles;
import dev.dockfsck.model.image.Image;
import dev.dockfsck.model.image.Reference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Pass 3, images: an image whose config is unreadable ({@code IMAGE_CONFIG_INVALID}) or one of
 * whose layers is missing or removed by the plan ({@code IMAGE_LAYER_MISSING}) cannot be loaded
 * afterwards: it is removed (config and metadata) unless a kept container uses it, and recorded
 * in {@code pending-restore.json} for {@code restore --pending}, as are the images a tag names
 * whose config was lost before this repair ({@code REFERENCE_TARGET_MISSING}).
 */
final class ImagesPass {
    private final PlanContext ctx;
    private final Set<Digest> unusable = new TreeSet<>();
    private final Set<Digest> removed = new TreeSet<>();

    ImagesPass(PlanContext ctx) {
        this.ctx = ctx;
    }

    /** Finds the images that cannot be loaded once the doomed layers are gone. */
    ImagesPass run(Set<Digest> doomedLayers) {
        for (Image image : ctx.store.imageDb().images().values()) {
            boolean bad = image.config().optional().map(cfg -> cfg.chainIds().stream()
                    .anyMatch(c -> !ctx.layers().containsKey(c) || doomedLayers.contains(c))).orElse(true);
            if (bad) {
                unusable.add(image.id());
            }
        }
        return this;
    }

    /** The images that cannot be loaded once the plan is done, kept or not. */
    Set<Digest> unusable() {
        return unusable;
    }

    /** Decides removal: every unusable image but those a kept container uses. */
    void keepFor(Set<Digest> imagesOfKeptContainers) {
        for (Digest id : unusable) {
            if (imagesOfKeptContainers.contains(id)) {
                ctx.keep("image " + id.shortHex() + ": damaged, kept because a kept container uses it");
            } else {
                removed.add(id);
            }
        }
    }

    /** The images the plan removes. */
    Set<Digest> removed() {
        return removed;
    }

    /** Removal of each removed image's config and metadata. */
    List<Action> removals() {
        List<Action> out = new ArrayList<>();
        for (Digest id : removed) {
            Image image = ctx.store.imageDb().images().get(id);
            List<String> why = ctx.reasons(Subject.image(id));
            out.add(new RemovePath(ctx.rel(image.path()), why));
            Path meta = ctx.store.imageDir().resolve("imagedb").resolve("metadata").resolve("sha256").resolve(id.hex());
            if (StoreFiles.kindOf(meta) != FileKind.MISSING) {
                out.add(new RemovePath(ctx.rel(meta), why));
            }
        }
        return out;
    }

    /**
     * The record of what {@code restore --pending} must re-inject: the removed images and those
     * lost before this repair. It runs first, so the record survives a crash during the removals.
     */
    Optional<Action> pendingRestore() {
        Set<Digest> lost = lostImages();
        Set<Digest> toRestore = new TreeSet<>(removed);
        toRestore.addAll(lost);
        List<RecordPendingRestore.Image> pending = pendingEntries(toRestore);
        if (pending.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new RecordPendingRestore(pending, List.of(lost.isEmpty() ? "images removed by this repair"
                : removed.isEmpty() ? "images lost before this repair (a tag names them, their config is gone)"
                : "images removed by this repair, and images lost before it (a tag names them, their config is gone)")));
    }

    /**
     * Images a tag names whose config is gone (REFERENCE_TARGET_MISSING with a valid image ID):
     * lost before this repair; they are recorded for restore like the images it removes.
     */
    private Set<Digest> lostImages() {
        Set<Digest> out = new TreeSet<>();
        ctx.findings(FindingCode.REFERENCE_TARGET_MISSING).forEach(f ->
                Digest.tryParse(String.valueOf(f.evidence().get("target"))).ifPresent(out::add));
        return out;
    }

    private List<RecordPendingRestore.Image> pendingEntries(Set<Digest> images) {
        Map<Digest, List<String>> tags = new LinkedHashMap<>();
        for (Reference r : ctx.store.repositories().references().optional().orElse(List.of())) {
            Digest.tryParse(r.target()).ifPresent(d -> tags.computeIfAbsent(d, k -> new ArrayList<>()).add(r.ref()));
        }
        ctx.options.extraNames().forEach((d, names) -> tags.computeIfAbsent(d, k -> new ArrayList<>()).addAll(names));
        List<RecordPendingRestore.Image> out = new ArrayList<>();
        for (Digest id : images) {
            List<String> t = tags.getOrDefault(id, List.of()).stream().distinct().toList();
            out.add(new RecordPendingRestore.Image(t.isEmpty() ? id.toString() : t.get(0), id.toString(), t, null));
        }
        return out;
    }
}
