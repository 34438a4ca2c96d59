package dev.dockfsck.repair.plan;

import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.Severity;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.container.Container;
import dev.dockfsck.model.layer.Layer;
import dev.dockfsck.model.layer.Mount;
import dev.dockfsck.model.overlay.OverlayDir;
import dev.dockfsck.model.store.DataRoot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What every pass reads: the one check report (and the store it was made from), the options, the
 * content sources, and the few facts of the store several passes need (a layer's children, a
 * container's chain, dockerd's naming of mount dirs). Also where passes note what they leave alone.
 * Read-only apart from {@link #keep} and {@link #restore}.
 */
final class PlanContext {
    final Report report;
    final DataRoot store;
    final Planner.Options options;
    final ContentSources sources;
    private final Map<Subject, List<Finding>> bySubject;
    private final Map<Digest, List<Digest>> children = new HashMap<>();
    private final List<String> kept = new ArrayList<>();
    private final Set<String> restored = new HashSet<>();

    PlanContext(Report report, Planner.Options options) {
        this.report = report;
        this.store = report.store();
        this.options = options;
        this.bySubject = report.bySubject();
        this.sources = new ContentSources(options.blobs());
        for (Layer l : store.layerDb().layers().values()) {
            l.parent().optional().ifPresent(p -> children.computeIfAbsent(p, k -> new ArrayList<>()).add(l.chainId()));
        }
    }

    Map<Digest, Layer> layers() {
        return store.layerDb().layers();
    }

    /** The registered layers whose parent is {@code d}. */
    List<Digest> childrenOf(Digest d) {
        return children.getOrDefault(d, List.of());
    }

    List<Finding> findings(Subject s) {
        return bySubject.getOrDefault(s, List.of());
    }

    List<Finding> findings(FindingCode code) {
        return report.findings().stream().filter(f -> f.code() == code).toList();
    }

    /** Records a damaged object (or finding) left in place, with the reason. */
    void keep(String line) {
        kept.add(line);
    }

    /** Records a path a planned action makes anew (an l/ link of a re-extracted dir): no leftover removal takes it. */
    void restore(String rel) {
        restored.add(rel);
    }

    boolean restored(String rel) {
        return restored.contains(rel);
    }

    List<String> kept() {
        return kept.stream().distinct().toList();
    }

    /** The findings (not info) on a subject, as reasons: {@code CODE subject}. */
    List<String> reasons(Subject s) {
        return reasons(s, f -> true);
    }

    List<String> reasons(Subject s, Predicate<Finding> which) {
        return findings(s).stream().filter(f -> f.severity() != Severity.INFO)
                .filter(which).map(f -> f.code() + " " + f.subject()).distinct().toList();
    }

    /** A path relative to the data root, '/'-separated, as actions name paths. */
    String rel(Path p) {
        return store.root().relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
    }

    /** The layers from a container's mount parent (or its image's top) down to the base. */
    List<Digest> containerChain(String containerId) {
        List<Digest> out = new ArrayList<>();
        Mount m = store.layerDb().mounts().get(containerId);
        Container c = store.containers().get(containerId);
        Digest d = m == null ? null : m.parent().optional().or(() -> c == null ? Optional.empty() : imageTop(c)).orElse(null);
        Set<Digest> seen = new HashSet<>();
        while (d != null && seen.add(d)) {
            out.add(d);
            Layer l = layers().get(d);
            d = l == null ? null : l.parent().optional().orElse(null);
        }
        return out;
    }

    /** The registered top layer of the container's image, read from the image's config. */
    Optional<Digest> imageTop(Container c) {
        return store.imageTopOf(c).filter(layers()::containsKey);
    }

    /** {@code <mount-id>-init} when that overlay2 dir exists. */
    Optional<String> derivedInitId(Mount m) {
        return m.mountId().optional().map(id -> id + OverlayDir.INIT_SUFFIX).filter(id -> store.overlay2().dir(id).isPresent());
    }

    /** The mount's RW dir id: its {@code mount-id}, else its {@code init-id} without "-init" when that dir exists. */
    Optional<String> mountIdOf(Mount m) {
        return m.mountId().optional().or(() -> derivedMountId(m));
    }

    Optional<String> derivedMountId(Mount m) {
        return m.initId().optional().filter(id -> id.endsWith(OverlayDir.INIT_SUFFIX))
                .map(id -> id.substring(0, id.length() - OverlayDir.INIT_SUFFIX.length()))
                .filter(id -> !id.isEmpty() && store.overlay2().dir(id).isPresent());
    }
}
