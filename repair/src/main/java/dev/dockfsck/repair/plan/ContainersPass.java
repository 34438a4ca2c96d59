package dev.dockfsck.repair.plan;

import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Severity;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.container.Container;
import dev.dockfsck.model.layer.Layer;
import dev.dockfsck.model.layer.Mount;
import dev.dockfsck.model.overlay.OverlayDir;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Pass 4, containers: a container is never removed without {@code --force} (its RW layer is user
 * data); a kept container keeps its whole layer chain and its image. Its mount files are fixed in
 * place where dockerd's own naming gives the value ({@code init-id} is {@code <mount-id>-init},
 * {@code parent} the top chainID of its image), and its init and RW dirs' links and
 * {@code lower} like a layer's ({@link OverlayLinks}).
 */
final class ContainersPass {
    /** Findings on a container that make it unusable, unless a mount fix ({@link #mountFix}) cures them. */
    private static final Set<FindingCode> CONTAINER_DAMAGE = EnumSet.of(FindingCode.CONTAINER_CONFIG_INVALID,
            FindingCode.CONTAINER_LAYER_MISSING, FindingCode.OVERLAY_DIFF_MISSING);

    private final PlanContext ctx;
    private final Set<String> removed = new TreeSet<>();
    private final Set<Digest> keptChains = new HashSet<>();
    private final Set<Digest> imagesOfKept = new HashSet<>();

    ContainersPass(PlanContext ctx) {
        this.ctx = ctx;
    }

    /** Decides, for each container, whether it goes (damaged, with --force) or stays with its chain. */
    ContainersPass run(Set<Digest> doomedLayers, java.util.function.Predicate<Digest> imageUsable) {
        for (Container c : ctx.store.containers().values()) {
            List<Digest> chain = ctx.containerChain(c.id());
            boolean imageGone = c.config().optional().flatMap(cfg -> Digest.tryParse(cfg.image()))
                    .map(id -> !imageUsable.test(id)).orElse(true);
            boolean damaged = imageGone || chain.stream().anyMatch(doomedLayers::contains) || damaged(c);
            if (damaged && ctx.options.force()) {
                removed.add(c.id());
                continue;
            }
            keptChains.addAll(chain);
            c.config().optional().flatMap(cfg -> Digest.tryParse(cfg.image())).ifPresent(imagesOfKept::add);
            if (damaged) {
                ctx.keep("container " + c.id().substring(0, 12) + " " + c.config().optional().map(cfg -> cfg.name()).orElse("")
                        + ": damaged, kept (use --force to remove it and its read-write layer)");
            }
        }
        return this;
    }

    /** The layers kept containers stand on. */
    Set<Digest> keptChains() {
        return keptChains;
    }

    /** The images kept containers use. */
    Set<Digest> imagesOfKept() {
        return imagesOfKept;
    }

    /** The containers the plan removes (only with --force). */
    Set<String> removed() {
        return removed;
    }

    /** Whether a container is unusable as it is: a finding no mount fix cures. */
    private boolean damaged(Container c) {
        return ctx.findings(Subject.container(c.id())).stream().anyMatch(f ->
                CONTAINER_DAMAGE.contains(f.code()) && f.severity() == Severity.ERROR && mountFix(c, f).isEmpty());
    }

    /** The in-place fixes of every container that stays. */
    List<Action> fixes(OverlayLinks links) {
        List<Action> out = new ArrayList<>();
        for (Container c : ctx.store.containers().values()) {
            if (!removed.contains(c.id())) {
                out.addAll(fix(c, links));
            }
        }
        return out;
    }

    private List<Action> fix(Container c, OverlayLinks links) {
        List<Action> out = new ArrayList<>();
        Mount m = ctx.store.layerDb().mounts().get(c.id());
        if (m == null) {
            return out;
        }
        for (Finding f : ctx.findings(Subject.container(c.id()))) {
            mountFix(c, f).ifPresent(out::add);
        }
        List<String> why = links.reasons(Subject.container(c.id()));
        Optional<Digest> parent = m.parent().optional().or(() -> ctx.imageTop(c));
        Optional<Layer> top = parent.map(ctx.layers()::get);
        Optional<List<String>> initLower = parent.isEmpty() && m.parent().isMissing() ? Optional.of(List.of())
                : top.flatMap(t -> t.cacheId().optional().flatMap(links::linkOf)
                .flatMap(link -> links.expectedLower(t).map(rest -> OverlayLinks.prepend(link, rest))));
        Optional<OverlayDir> init = m.initId().optional().or(() -> ctx.derivedInitId(m)).flatMap(id -> ctx.store.overlay2().dir(id));
        init.ifPresent(dir -> out.addAll(links.fix(dir, initLower, why)));
        Optional<List<String>> rwLower = init.flatMap(d -> links.linkOf(d.id()))
                .flatMap(link -> initLower.map(rest -> OverlayLinks.prepend(link, rest)));
        ctx.mountIdOf(m).flatMap(id -> ctx.store.overlay2().dir(id))
                .ifPresent(dir -> out.addAll(links.fix(dir, rwLower, why)));
        return out;
    }

    /**
     * The in-place fix of a container's broken mount file where dockerd's own naming gives the
     * value: {@code init-id} is always {@code <mount-id>-init} (the layer store names the init
     * layer so), {@code parent} the top chainID of the container's image.
     */
    private Optional<Action> mountFix(Container c, Finding f) {
        Mount m = ctx.store.layerDb().mounts().get(c.id());
        if (f.code() != FindingCode.CONTAINER_LAYER_MISSING || m == null) {
            return Optional.empty();
        }
        Object file = f.evidence().get("file");
        List<String> why = List.of(f.code() + " " + f.subject());
        if (Mount.MOUNT_ID.equals(file) && m.mountId().optional().isEmpty()) {
            return ctx.derivedMountId(m).map(id -> new WriteFile(ctx.rel(m.dir().resolve(Mount.MOUNT_ID)), id, why));
        }
        if (Mount.INIT_ID.equals(file) && m.initId().optional().isEmpty()) {
            return ctx.derivedInitId(m).map(id -> new WriteFile(ctx.rel(m.dir().resolve(Mount.INIT_ID)), id, why));
        }
        if (Mount.PARENT.equals(file) && m.parent().optional().isEmpty()) {
            return ctx.imageTop(c).map(top -> new WriteFile(ctx.rel(m.dir().resolve(Mount.PARENT)), top.toString(), why));
        }
        return Optional.empty();
    }

    /** Removal of each removed container: its mount record, RW and init dirs and links, its dir. */
    List<Action> removals() {
        List<Action> out = new ArrayList<>();
        for (String id : removed) {
            out.add(removeContainer(id));
        }
        return out;
    }

    private RemoveContainer removeContainer(String id) {
        List<String> paths = new ArrayList<>();
        Mount m = ctx.store.layerDb().mounts().get(id);
        if (m != null) {
            paths.add(ctx.rel(m.dir()));
            for (var dirId : List.of(ctx.mountIdOf(m), m.initId().optional().or(() -> ctx.derivedInitId(m)))) {
                dirId.flatMap(d -> ctx.store.overlay2().dir(d)).ifPresent(dir -> {
                    dir.link().optional().map(ctx.store.overlay2().links()::get)
                            .filter(sl -> sl.targetDirId().map(dir.id()::equals).orElse(false))
                            .ifPresent(sl -> paths.add(ctx.rel(sl.path())));
                    paths.add(ctx.rel(dir.dir()));
                });
            }
        }
        paths.add(ctx.rel(ctx.store.containers().get(id).dir()));
        return new RemoveContainer(id, paths, ctx.reasons(Subject.container(id)));
    }
}
