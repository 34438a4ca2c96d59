package dev.dockfsck.repair.plan;

import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.fs.StoreFiles;
import dev.dockfsck.model.appstore.StoreImage;
import dev.dockfsck.model.image.Image;
import dev.dockfsck.model.image.Reference;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Pass 3, images. A config that is lost, emptied or cut ({@code IMAGE_CONFIG_INVALID}, or named by
 * a tag or container but gone) is written back from the app store's config blob with the same
 * image ID ({@link WriteImageConfig}) when every layer of its chain is registered and kept: the
 * image and its containers survive. Otherwise an image whose config is unreadable or one of whose
 * layers is missing or removed by the plan ({@code IMAGE_LAYER_MISSING}) cannot be loaded
 * afterwards: it is removed (config and metadata) unless a kept container uses it, and recorded
 * in {@code pending-restore.json} for {@code restore --pending}, as are the images a tag names
 * whose config is gone and the images {@link InterruptedLoadsPass} finds half-loaded.
 */
final class ImagesPass {
    /** Why an image is recorded for restore, as {@code pending-restore.json} says it. */
    static final String REMOVED = "removed-by-repair";
    static final String LOST = "lost-before-repair";
    static final String INTERRUPTED = "interrupted-load";

    private final PlanContext ctx;
    private final Set<Digest> unusable = new TreeSet<>();
    private final Set<Digest> removed = new TreeSet<>();
    private final Map<Digest, WriteImageConfig> writtenBack = new TreeMap<>();

    ImagesPass(PlanContext ctx) {
        this.ctx = ctx;
    }

    /** Finds the configs the app store writes back, and the images that cannot be loaded once the doomed layers are gone. */
    ImagesPass run(Set<Digest> doomedLayers) {
        for (Map.Entry<Digest, List<String>> lost : lostConfigs().entrySet()) {
            Digest id = lost.getKey();
            ctx.sources.imageConfig(id)
                    .filter(si -> si.chainIds().stream().allMatch(c -> ctx.layers().containsKey(c) && !doomedLayers.contains(c)))
                    .ifPresent(si -> writtenBack.put(id, new WriteImageConfig(id.toString(), ctx.rel(configPath(id)),
                            ctx.sources.appStoreLocation().orElseThrow(), lost.getValue())));
        }
        for (Image image : ctx.store.imageDb().images().values()) {
            boolean bad = !writtenBack.containsKey(image.id()) && image.config().optional().map(cfg -> cfg.chainIds().stream()
                    .anyMatch(c -> !ctx.layers().containsKey(c) || doomedLayers.contains(c))).orElse(true);
            if (bad) {
                unusable.add(image.id());
            }
        }
        return this;
    }

    /**
     * Image IDs whose config is unreadable or gone while something names them, with the findings
     * that say so: {@code IMAGE_CONFIG_INVALID}, a tag on a missing config
     * ({@code REFERENCE_TARGET_MISSING}), a container on a missing image ({@code CONTAINER_IMAGE_DAMAGED}).
     */
    private Map<Digest, List<String>> lostConfigs() {
        Map<Digest, List<String>> out = new TreeMap<>();
        ctx.findings(FindingCode.IMAGE_CONFIG_INVALID).forEach(f -> Digest.tryParse(f.subject().id()).ifPresent(id ->
                out.computeIfAbsent(id, k -> new ArrayList<>()).add(f.code() + " " + f.subject())));
        lostImages().forEach(id -> out.computeIfAbsent(id, k -> new ArrayList<>())
                .add(FindingCode.REFERENCE_TARGET_MISSING + " " + Subject.image(id)));
        ctx.findings(FindingCode.CONTAINER_IMAGE_DAMAGED).forEach(f -> Digest.tryParse(String.valueOf(f.evidence().get("image")))
                .filter(id -> !ctx.store.imageDb().images().containsKey(id))
                .ifPresent(id -> out.computeIfAbsent(id, k -> new ArrayList<>()).add(f.code() + " " + f.subject())));
        return out;
    }

    private Path configPath(Digest id) {
        return ctx.store.imageDir().resolve("imagedb").resolve("content").resolve("sha256").resolve(id.hex());
    }

    /** The images that cannot be loaded once the plan is done, kept or not. */
    Set<Digest> unusable() {
        return unusable;
    }

    /** Whether the image is there and loadable once the plan is done (its config written back, perhaps). */
    boolean usable(Digest id) {
        return writtenBack.containsKey(id) || (ctx.store.imageDb().images().containsKey(id) && !unusable.contains(id));
    }

    /** The configs written back from the app store. */
    List<Action> writeBacks() {
        return List.copyOf(writtenBack.values());
    }

    /** The image IDs whose config the plan writes back. */
    Set<Digest> writtenBack() {
        return writtenBack.keySet();
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
     * The record of what {@code restore --pending} must re-inject: the removed images, those
     * lost before this repair (a tag names them, their config is gone and cannot be written
     * back) and those an interrupted load left half-made. It runs first, so the record survives a
     * crash during the removals.
     */
    Optional<Action> pendingRestore(Set<Digest> interruptedLoads) {
        Map<Digest, String> why = new TreeMap<>();
        removed.forEach(id -> why.put(id, REMOVED));
        for (Digest id : lostImages()) {
            if (!writtenBack.containsKey(id)) {
                why.putIfAbsent(id, ctx.sources.imageConfig(id).isPresent() ? INTERRUPTED : LOST);
            }
        }
        interruptedLoads.forEach(id -> why.putIfAbsent(id, INTERRUPTED));
        if (why.isEmpty()) {
            return Optional.empty();
        }
        Set<String> kinds = new TreeSet<>(why.values());
        List<String> reasons = new ArrayList<>();
        if (kinds.contains(REMOVED)) {
            reasons.add("images removed by this repair");
        }
        if (kinds.contains(LOST)) {
            reasons.add("images lost before this repair (a tag names them, their config is gone)");
        }
        if (kinds.contains(INTERRUPTED)) {
            reasons.add("app-store images an interrupted load left half-made");
        }
        return Optional.of(new RecordPendingRestore(pendingEntries(why), reasons));
    }

    /**
     * Images a tag names whose config is gone (REFERENCE_TARGET_MISSING with a valid image ID):
     * lost before this repair.
     */
    private Set<Digest> lostImages() {
        Set<Digest> out = new TreeSet<>();
        ctx.findings(FindingCode.REFERENCE_TARGET_MISSING).forEach(f ->
                Digest.tryParse(String.valueOf(f.evidence().get("target"))).ifPresent(out::add));
        return out;
    }

    private List<RecordPendingRestore.Image> pendingEntries(Map<Digest, String> images) {
        Map<Digest, List<String>> tags = new LinkedHashMap<>();
        for (Reference r : ctx.store.repositories().references().optional().orElse(List.of())) {
            Digest.tryParse(r.target()).ifPresent(d -> tags.computeIfAbsent(d, k -> new ArrayList<>()).add(r.ref()));
        }
        ctx.options.extraNames().forEach((d, names) -> tags.computeIfAbsent(d, k -> new ArrayList<>()).addAll(names));
        List<RecordPendingRestore.Image> out = new ArrayList<>();
        images.forEach((id, reason) -> {
            Optional<StoreImage> inAppStore = ctx.sources.imageConfig(id);
            List<String> t = java.util.stream.Stream.concat(tags.getOrDefault(id, List.of()).stream(),
                    inAppStore.map(StoreImage::names).orElse(List.of()).stream()).distinct().toList();
            out.add(new RecordPendingRestore.Image(t.isEmpty() ? id.toString() : t.get(0), id.toString(), t,
                    inAppStore.map(StoreImage::app).orElse(null), reason));
        });
        return out;
    }
}
