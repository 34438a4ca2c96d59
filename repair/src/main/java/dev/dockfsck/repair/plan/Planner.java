package dev.dockfsck.repair.plan;

import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.repair.apply.LayerBlobSource;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a check report into a plan, losing as little as possible, in passes like e2fsck's, one
 * per subject, each turning its findings into actions:
 * <ol>
 * <li>{@link LayerContentPass}: layer files and entries healed in place, tar-splits;</li>
 * <li>{@link LayerMetadataPass}: layerdb files and overlay2 dirs fixed in place, or the layer
 * (and what stands on it) doomed;</li>
 * <li>{@link ImagesPass}: lost configs written back from the app store; images that cannot be
 * loaded afterwards, recorded for restore;</li>
 * <li>{@link ContainersPass}: containers kept (with the chain they stand on) unless --force;</li>
 * <li>{@link InterruptedLoadsPass}: app-store images a cut-off load left half-made, recorded for restore;</li>
 * <li>{@link NamesPass}: repositories.json;</li>
 * <li>{@link LeftoversPass}: what dockerd left half-made.</li>
 * </ol>
 * Every pass that rewrites lost bytes asks {@link ContentSources} who can rebuild them. The plan
 * runs in dockerd's order: the restore record, in-place fixes (layer content, image configs), references, images, layers
 * top-down, containers, leftovers. Deterministic: the same report always gives the same plan (new
 * link ids are derived from the dir they name).
 */
public final class Planner {
    /**
     * @param force        also remove damaged containers (and their RW layers)
     * @param extraNames   image ID to names known from elsewhere (the app store), used to rebuild
     *                     repositories.json
     * @param blobs        the app store's blobs, the second of the {@link ContentSources}
     */
    public record Options(boolean force, Map<Digest, List<String>> extraNames, Optional<LayerBlobSource> blobs) {
        public Options(boolean force, Map<Digest, List<String>> extraNames) {
            this(force, extraNames, Optional.empty());
        }

        public static Options defaults() {
            return new Options(false, Map.of());
        }
    }

    /** Findings no pass cures: reported as left alone unless their subject is removed anyway. */
    private static final Set<FindingCode> LEFT_ALONE = union(LayerContentPass.LEFT_ALONE, LeftoversPass.LEFT_ALONE);

    private Planner() {
    }

    public static Plan plan(Report report, Options options) {
        if (report.findings().isEmpty()) {
            // every pass turns findings into actions: a report without any (a healthy store, the
            // boot preen's common case) plans nothing, without building the passes' indexes
            return new Plan(report.store().root().toString(), List.of(), List.of());
        }
        return passes(report, options);
    }

    /** The passes themselves (also for a report without findings: PlannerTest proves they plan nothing then). */
    static Plan passes(Report report, Options options) {
        PlanContext ctx = new PlanContext(report, options);
        LayerContentPass content = new LayerContentPass(ctx).run();
        LayerMetadataPass layers = new LayerMetadataPass(ctx, content).run();
        ImagesPass images = new ImagesPass(ctx).run(layers.doomed());
        ContainersPass containers = new ContainersPass(ctx).run(layers.doomed(), images::usable);
        layers.keepFor(containers.keptChains());
        images.keepFor(containers.imagesOfKept());
        Set<Digest> interrupted = new InterruptedLoadsPass(ctx).run(images);
        OverlayLinks links = new OverlayLinks(ctx);
        NamesPass names = new NamesPass(ctx);
        LeftoversPass leftovers = new LeftoversPass(ctx);

        List<Action> actions = new ArrayList<>();
        images.pendingRestore(interrupted).ifPresent(actions::add);
        actions.addAll(content.actions());
        actions.addAll(images.writeBacks());
        actions.addAll(layers.fixes(links));
        actions.addAll(containers.fixes(links));
        names.repositories(images.removed(), images.writtenBack()).ifPresent(actions::add);
        actions.addAll(images.removals());
        actions.addAll(layers.removals());
        actions.addAll(containers.removals());
        actions.addAll(leftovers.removals());
        actions.addAll(leftovers.orphanedBy(actions, containers.removed()));
        for (Finding f : report.findings()) {
            if (LEFT_ALONE.contains(f.code()) && !content.cures(f) && !removed(f.subject(), layers, images, containers)) {
                ctx.keep(f.code() + " " + f.subject() + ": not repaired (" + f.message() + ")");
            }
        }
        return new Plan(ctx.store.root().toString(), new ArrayList<>(new LinkedHashSet<>(actions)), ctx.kept());
    }

    private static boolean removed(Subject s, LayerMetadataPass layers, ImagesPass images, ContainersPass containers) {
        return switch (s.kind()) {
            case LAYER -> layers.removed().contains(Digest.parse(s.id()));
            case IMAGE -> images.removed().contains(Digest.parse(s.id()));
            case CONTAINER -> containers.removed().contains(s.id());
            default -> false;
        };
    }

    private static Set<FindingCode> union(Set<FindingCode> a, Set<FindingCode> b) {
        Set<FindingCode> out = EnumSet.noneOf(FindingCode.class);
        out.addAll(a);
        out.addAll(b);
        return out;
    }
}
