package dev.dockfsck.repair.plan;

import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.appstore.StoreImage;
import dev.dockfsck.model.fs.AtomicWriteTmp;
import dev.dockfsck.model.layer.WriteSet;
import dev.dockfsck.model.store.ImportTmp;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Pass 3b, interrupted loads: the app-store images that a {@code docker load} (or pull) cut off
 * by a power cut left half-made. dockerd's load registers the layers one by one (each through a
 * {@code layerdb/tmp/write-set-*}), then writes the config, then the tag, and removes its
 * {@code tmp/docker-import-*} copy of the archive last. An app-store image that the engine will
 * not hold once the plan is done (no loadable config with every layer kept), but of which the
 * engine has a trace, goes into {@code pending-restore.json} with reason {@code interrupted-load},
 * so {@code restore --pending} completes the installation. A trace is:
 * <ul>
 * <li>a registered layer of its chain that no image or container uses ({@code LAYER_UNREFERENCED}):
 * a layer it shares with an image the engine holds is no trace;</li>
 * <li>an uncommitted write-set whose {@code diff} (and {@code parent}, when written) is a layer of
 * its chain;</li>
 * <li>a {@code tmp/docker-import-*} dir holding its config ({@code <imageID hex>.json} or
 * {@code blobs/sha256/<hex>}), or a layer of its own ({@code <diffID hex>.tar}, as skopeo's
 * archives name them, ahead of the config) that no image the engine keeps has;</li>
 * <li>a {@code .tmp-<imageID hex>...} leftover of its config's atomic write.</li>
 * </ul>
 * (A tag on its missing config is {@link ImagesPass}'s.) An app-store image with no trace is not
 * pending: what to install is the device agent's choice. Without an app store there is nothing to
 * complete from, and this pass finds nothing.
 */
final class InterruptedLoadsPass {
    private final PlanContext ctx;

    InterruptedLoadsPass(PlanContext ctx) {
        this.ctx = ctx;
    }

    /** The image IDs of the app-store images to complete, given what the images pass keeps. */
    Set<Digest> run(ImagesPass images) {
        List<StoreImage> candidates = ctx.sources.appStoreImages().stream().filter(i -> !images.usable(i.imageId())).toList();
        if (candidates.isEmpty()) {
            return Set.of();
        }
        Set<Digest> unreferenced = new HashSet<>();
        ctx.findings(FindingCode.LAYER_UNREFERENCED).forEach(f -> Digest.tryParse(f.subject().id()).ifPresent(unreferenced::add));
        Set<Digest> inImports = new HashSet<>();
        ctx.store.importTmp().forEach(dir -> inImports.addAll(ImportTmp.namedDigests(dir)));
        // the layers of the images the engine keeps: an archive holding one of those is no trace of this image
        Set<Digest> heldDiffIds = new HashSet<>();
        ctx.store.imageDb().images().values().stream().filter(i -> images.usable(i.id()))
                .forEach(i -> i.config().optional().ifPresent(cfg -> heldDiffIds.addAll(cfg.diffIds())));

        Set<Digest> out = new TreeSet<>();
        for (StoreImage image : candidates) {
            Digest id = image.imageId();
            boolean trace = image.chainIds().stream().anyMatch(unreferenced::contains)
                    || ctx.store.layerDb().writeSets().stream().anyMatch(w -> ofChain(w, image))
                    || inImports.contains(id)
                    || image.diffIds().stream().anyMatch(d -> inImports.contains(d) && !heldDiffIds.contains(d))
                    || configLeftover(id);
            if (trace) {
                out.add(id);
            }
        }
        return out;
    }

    /** Whether the write-set registers a layer of the image's chain: its diffID at a position whose parent it names (or has not written yet). */
    private static boolean ofChain(WriteSet w, StoreImage image) {
        Optional<Digest> diff = w.diffId().optional();
        if (diff.isEmpty()) {
            return false;
        }
        List<Digest> diffs = image.diffIds();
        List<Digest> chains = image.chainIds();
        for (int i = 0; i < diffs.size(); i++) {
            if (!diffs.get(i).equals(diff.get())) {
                continue;
            }
            Optional<Digest> parent = w.parent().optional();
            if (parent.isEmpty() ? w.parent().isMissing() : i > 0 && parent.get().equals(chains.get(i - 1))) {
                return true;
            }
        }
        return false;
    }

    /** A leftover of the atomic write of the image's config, beside where it goes. */
    private boolean configLeftover(Digest id) {
        Path dir = ctx.store.imageDir().resolve("imagedb").resolve("content").resolve("sha256");
        return ctx.store.atomicWriteTmp().stream().anyMatch(p -> dir.equals(p.getParent())
                && AtomicWriteTmp.isTmpOf(p.getFileName().toString(), id.hex()));
    }
}
