package dev.dockfsck.checker;

import dev.dockfsck.checker.rules.AppStoreRule;
import dev.dockfsck.checker.rules.AtomicWriteLeftoverRule;
import dev.dockfsck.checker.rules.ContainerConfigInvalidRule;
import dev.dockfsck.checker.rules.ContainerImageDamagedRule;
import dev.dockfsck.checker.rules.ContainerLayerMissingRule;
import dev.dockfsck.checker.rules.ContainerRule;
import dev.dockfsck.checker.rules.ImageConfigInvalidRule;
import dev.dockfsck.checker.rules.ImageLayerMissingRule;
import dev.dockfsck.checker.rules.ImageRule;
import dev.dockfsck.checker.rules.InterruptedRemovalRule;
import dev.dockfsck.checker.rules.LayerCacheDirMissingRule;
import dev.dockfsck.checker.rules.LayerChainIdMismatchRule;
import dev.dockfsck.checker.rules.LayerFileInvalidRule;
import dev.dockfsck.checker.rules.LayerFileMissingRule;
import dev.dockfsck.checker.rules.LayerParentDamagedRule;
import dev.dockfsck.checker.rules.LayerParentMissingRule;
import dev.dockfsck.checker.rules.LayerRule;
import dev.dockfsck.checker.rules.LayerTarSplitMissingRule;
import dev.dockfsck.checker.rules.LayerUnreferencedRule;
import dev.dockfsck.checker.rules.OrphanCacheDirRule;
import dev.dockfsck.checker.rules.OverlayDiffMissingRule;
import dev.dockfsck.checker.rules.OverlayLinkInvalidRule;
import dev.dockfsck.checker.rules.OverlayLowerInvalidRule;
import dev.dockfsck.checker.rules.OverlayOwner;
import dev.dockfsck.checker.rules.OverlayRule;
import dev.dockfsck.checker.rules.OverlaySymlinkDanglingRule;
import dev.dockfsck.checker.rules.OverlaySymlinkMissingRule;
import dev.dockfsck.checker.rules.ReferenceLostRule;
import dev.dockfsck.checker.rules.ReferenceTargetMissingRule;
import dev.dockfsck.checker.rules.RepositoriesInvalidRule;
import dev.dockfsck.checker.rules.StaleImportTmpRule;
import dev.dockfsck.checker.rules.StaleWriteSetRule;
import dev.dockfsck.checker.rules.StoreRule;
import dev.dockfsck.checker.rules.UnexpectedEntryRule;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.container.Container;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.image.Image;
import dev.dockfsck.model.layer.Layer;
import dev.dockfsck.model.layer.Mount;
import dev.dockfsck.model.overlay.OverlayDir;
import dev.dockfsck.model.store.DataRoot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One walk of a data root in dependency order: layers (layerdb entry, then its overlay2 dir,
 * then, with {@code deep}, its content), then the chain (damage propagates to every layer above),
 * images, references, containers, leftovers. Fills one {@link Report}. Never writes.
 */
public final class Checker {
    /**
     * @param deep        verify every layer's content against its diffID
     * @param onlyLayer   with deep: verify only this layer's content
     * @param jobs        layers verified at once
     * @param appStore    the restorable app store, when given
     * @param checkAppStore report the app store's own damage (APPSTORE_*), hashing its layer blobs
     *                      with {@code deep}. Repair passes false: it uses the store for its names
     *                      (REFERENCE_LOST) and cannot mend it (read-only); healing verifies what it reads
     */
    public record Options(boolean deep, Optional<Digest> onlyLayer, int jobs, ContentVerifier.Progress progress,
                          Optional<AppStore> appStore, boolean checkAppStore) {
        public Options(boolean deep, Optional<Digest> onlyLayer, int jobs, ContentVerifier.Progress progress,
                       Optional<AppStore> appStore) {
            this(deep, onlyLayer, jobs, progress, appStore, true);
        }

        public Options(boolean deep, Optional<Digest> onlyLayer, int jobs, ContentVerifier.Progress progress) {
            this(deep, onlyLayer, jobs, progress, Optional.empty());
        }

        public static Options shallow() {
            return new Options(false, Optional.empty(), 1, ContentVerifier.Progress.NONE);
        }
    }

    private static final List<LayerRule> LAYER_RULES = List.of(new LayerFileMissingRule(), new LayerFileInvalidRule(),
            new LayerParentMissingRule(), new LayerChainIdMismatchRule(), new LayerCacheDirMissingRule(),
            new LayerTarSplitMissingRule());
    private static final OverlaySymlinkDanglingRule DANGLING = new OverlaySymlinkDanglingRule();
    private static final List<OverlayRule> OVERLAY_RULES = List.of(new OverlayDiffMissingRule(),
            new OverlayLinkInvalidRule(), new OverlaySymlinkMissingRule(), DANGLING, new OverlayLowerInvalidRule());
    private static final LayerRule CHAIN_RULE = new LayerParentDamagedRule();
    private static final List<ImageRule> IMAGE_RULES = List.of(new ImageConfigInvalidRule(), new ImageLayerMissingRule());
    private static final List<StoreRule> REFERENCE_RULES = List.of(new RepositoriesInvalidRule(),
            new ReferenceTargetMissingRule());
    private static final List<ContainerRule> CONTAINER_RULES = List.of(new ContainerConfigInvalidRule(),
            new ContainerLayerMissingRule(), new ContainerImageDamagedRule());
    private static final List<StoreRule> LEFTOVER_RULES = List.of(new LayerUnreferencedRule(), new OrphanCacheDirRule(),
            new StaleWriteSetRule(), new InterruptedRemovalRule(), new StaleImportTmpRule(), new AtomicWriteLeftoverRule(), DANGLING,
            new UnexpectedEntryRule());

    private static final AppStoreRule APP_STORE_RULE = new AppStoreRule();
    private static final ReferenceLostRule REFERENCE_LOST_RULE = new ReferenceLostRule();

    private final ContentVerifier verifier;

    /** A checker; {@code verifier} may be null when deep verification is never asked for. */
    public Checker(ContentVerifier verifier) {
        this.verifier = verifier;
    }

    public Report check(DataRoot store, Options options) {
        CheckContext ctx = new CheckContext(store, options.appStore());
        List<Layer> ordered = ctx.layersInDependencyOrder();

        // 1. each layer on its own: layerdb files, then its overlay2 dir
        for (Layer layer : ordered) {
            LAYER_RULES.forEach(r -> r.check(layer, ctx));
            ctx.cacheDir(layer).ifPresent(dir -> {
                OverlayOwner owner = new OverlayOwner(Subject.layer(layer.chainId()),
                        "layer " + layer.chainId().shortHex(), ctx.expectedLower(layer));
                OVERLAY_RULES.forEach(r -> r.check(owner, dir, ctx));
            });
        }
        dev.dockfsck.model.Phases.mark("check: layers");
        // 2. content, for layers whose metadata and files are there to be proven
        if (options.deep()) {
            if (verifier == null) {
                throw new IllegalStateException("deep check asked for without a content verifier");
            }
            List<ContentVerifier.Job> jobs = new ArrayList<>();
            for (Layer layer : ordered) {
                if (options.onlyLayer().isPresent() && !options.onlyLayer().get().equals(layer.chainId())) {
                    continue;
                }
                Optional<OverlayDir> dir = ctx.cacheDir(layer);
                if (layer.diffId().isOk() && layer.tarSplit() == FileKind.REGULAR && dir.isPresent()
                        && dir.get().diff() == FileKind.DIRECTORY) {
                    jobs.add(new ContentVerifier.Job(layer, dir.get()));
                }
            }
            verifier.verify(jobs, Math.max(1, options.jobs()), options.progress()).forEach(ctx::add);
        }
        // 3. the chain: damage propagates to every layer above
        for (Layer layer : ordered) {
            CHAIN_RULE.check(layer, ctx);
        }
        dev.dockfsck.model.Phases.mark("check: chain");
        // 4. images, 5. references, 6. containers, 7. leftovers
        for (Image image : store.imageDb().images().values()) {
            IMAGE_RULES.forEach(r -> r.check(image, ctx));
        }
        REFERENCE_RULES.forEach(r -> r.check(ctx));
        for (Container c : store.containers().values()) {
            CONTAINER_RULES.forEach(r -> r.check(c, ctx));
            containerOverlays(c, ctx);
        }
        dev.dockfsck.model.Phases.mark("check: images..containers");
        LEFTOVER_RULES.forEach(r -> r.check(ctx));
        dev.dockfsck.model.Phases.mark("check: leftovers");
        // 8. the restorable app store, when given: its own damage, which of its images a
        //    damaged unreferenced layer would break on re-load, and the tags the engine lost
        options.appStore().ifPresent(apps -> {
            if (options.checkAppStore()) {
                if (options.deep()) {
                    apps.verifyLayers(null);
                }
                APP_STORE_RULE.check(apps, ctx);
            }
            REFERENCE_LOST_RULE.check(apps, ctx);
        });
        return finish(ctx, options.deep());
    }

    private static void containerOverlays(Container c, CheckContext ctx) {
        Mount m = ctx.store().layerDb().mounts().get(c.id());
        if (m == null) {
            return;
        }
        Subject s = Subject.container(c.id());
        String shortId = c.id().substring(0, 12);
        Optional<Digest> parent = ctx.mountParent(c);
        Optional<Layer> top = parent.flatMap(ctx::layer);
        // the init layer stands on the image's top layer; the RW layer on the init layer
        Optional<List<String>> initLower = parent.isEmpty() && m.parent().isMissing() ? Optional.of(List.of())
                : top.flatMap(t -> ctx.linkOf(t).flatMap(link -> ctx.expectedLower(t).map(rest -> prepend(link, rest))));
        // without an init-id file the init dir is still <mount-id>-init, and the RW dir stands on it
        Optional<String> initId = m.initId().isMissing()
                ? m.mountId().optional().map(id -> id + OverlayDir.INIT_SUFFIX) : m.initId().optional();
        Optional<OverlayDir> init = initId.flatMap(id -> ctx.store().overlay2().dir(id));
        init.ifPresent(dir -> {
            OverlayOwner owner = new OverlayOwner(s, "container " + shortId + " init layer", initLower);
            OVERLAY_RULES.forEach(r -> r.check(owner, dir, ctx));
        });
        Optional<List<String>> rwLower = init.flatMap(d -> d.link().optional())
                .flatMap(link -> initLower.map(rest -> prepend(link, rest)));
        m.mountId().optional().flatMap(id -> ctx.store().overlay2().dir(id)).ifPresent(dir -> {
            OverlayOwner owner = new OverlayOwner(s, "container " + shortId + " RW layer", rwLower);
            OVERLAY_RULES.forEach(r -> r.check(owner, dir, ctx));
        });
    }

    private static List<String> prepend(String link, List<String> rest) {
        List<String> out = new ArrayList<>();
        out.add("l/" + link);
        out.addAll(rest);
        return List.copyOf(out);
    }

    /** Computes {@code affects} through the layer chain, and the summary. */
    private static Report finish(CheckContext ctx, boolean deep) {
        DataRoot store = ctx.store();
        Map<Digest, Set<Subject>> imagesOnLayer = new HashMap<>();
        // images by their top layer: what a new container of the image is created on
        Map<Digest, Set<Subject>> imagesTopped = new HashMap<>();
        Map<Digest, Set<Subject>> containersOfImage = new HashMap<>();
        Map<Digest, Set<Subject>> containersOnLayer = new HashMap<>();
        for (Image image : store.imageDb().images().values()) {
            image.config().optional().map(cfg -> cfg.chainIds()).ifPresent(chain -> {
                chain.forEach(c -> imagesOnLayer.computeIfAbsent(c, k -> new TreeSet<>()).add(Subject.image(image.id())));
                if (!chain.isEmpty()) {
                    imagesTopped.computeIfAbsent(chain.get(chain.size() - 1), k -> new TreeSet<>()).add(Subject.image(image.id()));
                }
            });
        }
        for (Container c : store.containers().values()) {
            c.config().optional().flatMap(cfg -> Digest.tryParse(cfg.image())).ifPresent(img ->
                    containersOfImage.computeIfAbsent(img, k -> new TreeSet<>()).add(Subject.container(c.id())));
            Digest chain = ctx.mountParent(c).orElse(null);
            Set<Digest> seen = new HashSet<>();
            while (chain != null && seen.add(chain)) {
                containersOnLayer.computeIfAbsent(chain, k -> new TreeSet<>()).add(Subject.container(c.id()));
                chain = ctx.layer(chain).flatMap(l -> l.parent().optional()).orElse(null);
            }
        }
        // transitive damage: everything on a damaged layer or image is damaged too; a layer spoiled
        // only for what is created on it damages itself and the images new containers start from
        Set<Subject> damaged = new TreeSet<>(ctx.damaged());
        for (Subject s : List.copyOf(damaged)) {
            damaged.addAll(affected(s, store, imagesOnLayer, containersOfImage, containersOnLayer));
        }
        for (Subject s : ctx.spoiledForNew()) {
            damaged.add(s);
            damaged.addAll(imagesTopped.getOrDefault(Digest.parse(s.id()), Set.of()));
        }
        List<Finding> out = new ArrayList<>();
        boolean storeDown = false;
        for (Finding f : ctx.findings()) {
            Set<Subject> affects = new TreeSet<>();
            if (f.code() == FindingCode.REPOSITORIES_INVALID) {
                storeDown = true;
                store.imageDb().images().keySet().forEach(id -> affects.add(Subject.image(id)));
                store.containers().keySet().forEach(id -> affects.add(Subject.container(id)));
            } else if (f.code().damaging() && f.severity() == Severity.ERROR) {
                if (f.spoilsOnlyWhatIsCreatedOnIt()) {
                    affects.addAll(imagesTopped.getOrDefault(Digest.parse(f.subject().id()), Set.of()));
                } else {
                    affects.addAll(affected(f.subject(), store, imagesOnLayer, containersOfImage, containersOnLayer));
                }
            }
            out.add(f.withAffects(List.copyOf(affects)));
        }
        long reclaimable = 0;
        for (Finding f : out) {
            if (f.evidence().get("bytes") instanceof Long b && EnumSetHolder.LEFTOVERS.contains(f.code())) {
                reclaimable += b;
            }
        }
        int errors = 0;
        int warnings = 0;
        int infos = 0;
        for (Finding f : out) {
            switch (f.severity()) {
                case ERROR -> errors++;
                case WARNING -> warnings++;
                default -> infos++;
            }
        }
        final boolean down = storeDown;
        Summary summary = new Summary(
                counts(store.imageDb().images().keySet().stream().map(Subject::image).toList(), damaged, down),
                counts(store.layerDb().layers().keySet().stream().map(Subject::layer).toList(), damaged, false),
                counts(store.containers().keySet().stream().map(Subject::container).toList(), damaged, down),
                reclaimable, errors, warnings, infos);
        return new Report(store, out, damaged, summary, deep);
    }

    private static Set<Subject> affected(Subject s, DataRoot store, Map<Digest, Set<Subject>> imagesOnLayer,
                                         Map<Digest, Set<Subject>> containersOfImage,
                                         Map<Digest, Set<Subject>> containersOnLayer) {
        Set<Subject> out = new TreeSet<>();
        switch (s.kind()) {
            case LAYER -> {
                Digest d = Digest.parse(s.id());
                Set<Subject> images = imagesOnLayer.getOrDefault(d, Set.of());
                out.addAll(images);
                for (Subject img : images) {
                    out.addAll(containersOfImage.getOrDefault(Digest.parse(img.id()), Set.of()));
                }
                out.addAll(containersOnLayer.getOrDefault(d, Set.of()));
            }
            case IMAGE -> {
                out.add(s);
                out.addAll(containersOfImage.getOrDefault(Digest.parse(s.id()), Set.of()));
            }
            case CONTAINER -> out.add(s);
            default -> {
            }
        }
        return out;
    }

    private static Summary.Counts counts(List<Subject> all, Set<Subject> damaged, boolean allDown) {
        int bad = allDown ? all.size() : (int) all.stream().filter(damaged::contains).count();
        return new Summary.Counts(all.size(), all.size() - bad, bad);
    }

    private static final class EnumSetHolder {
        static final Set<FindingCode> LEFTOVERS = java.util.EnumSet.of(FindingCode.ORPHAN_CACHE_DIR,
                FindingCode.STALE_WRITE_SET, FindingCode.INTERRUPTED_REMOVAL, FindingCode.STALE_IMPORT_TMP,
                FindingCode.ATOMIC_WRITE_LEFTOVER);
    }
}
