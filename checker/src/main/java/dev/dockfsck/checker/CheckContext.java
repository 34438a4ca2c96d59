package dev.dockfsck.checker;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.layer.Layer;
import dev.dockfsck.model.overlay.OverlayDir;
import dev.dockfsck.model.store.DataRoot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The state of one walk: the model, the findings so far, and the facts rules share (which
 * objects are damaged, which overlay dirs are in use, the expected {@code lower} of each layer).
 * Rules only read the model and add findings; nothing here writes to disk.
 */
public final class CheckContext {
    private final DataRoot store;
    private final List<Finding> findings = new ArrayList<>();
    private final Set<Subject> damaged = new HashSet<>();
    private final Set<Subject> spoiledForNew = new HashSet<>();
    private final Map<String, Digest> layerByCacheId = new HashMap<>();
    private final Map<Digest, Optional<List<String>>> expectedLowerMemo = new HashMap<>();

    private final Optional<AppStore> appStore;

    public CheckContext(DataRoot store) {
        this(store, Optional.empty());
    }

    public CheckContext(DataRoot store, Optional<AppStore> appStore) {
        this.store = store;
        this.appStore = appStore;
        for (Layer l : store.layerDb().layers().values()) {
            l.cacheId().optional().ifPresent(id -> layerByCacheId.putIfAbsent(id, l.chainId()));
        }
    }

    public DataRoot store() {
        return store;
    }

    /** The restorable app store, when the check was given one (read-only). */
    public Optional<AppStore> appStore() {
        return appStore;
    }

    /** A path relative to the data root, with '/' separators, for findings. */
    public String rel(Path p) {
        Path r = store.root().relativize(p);
        return r.toString().replace(p.getFileSystem().getSeparator(), "/");
    }

    public void add(Finding f) {
        findings.add(f);
        if (f.code().damaging() && f.severity() == Severity.ERROR && f.subject().kind() != Subject.Kind.PATH
                && f.subject().kind() != Subject.Kind.REFERENCE) {
            if (f.spoilsOnlyWhatIsCreatedOnIt()) {
                spoiledForNew.add(f.subject());
            } else {
                damaged.add(f.subject());
            }
        }
    }

    /** Adds a finding with the code's default severity and consequence. */
    public void report(FindingCode code, Subject subject, Path path, String message, Map<String, Object> evidence) {
        add(Finding.of(code, subject, path == null ? "" : rel(path), message, evidence));
    }

    public static Map<String, Object> evidence(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    public List<Finding> findings() {
        return findings;
    }

    /** Whether the subject is unusable, and with it everything that stands on it. */
    public boolean isDamaged(Subject s) {
        return damaged.contains(s);
    }

    /** The unusable subjects (see {@link #isDamaged}). */
    public Set<Subject> damaged() {
        return damaged;
    }

    /**
     * Whether what dockerd creates on this layer from now on is broken ({@link FindingCode.Reach#CREATED_ON_IT}),
     * though what exists on it keeps working.
     */
    public boolean isSpoiledForNew(Subject layer) {
        return spoiledForNew.contains(layer);
    }

    /** The layers of {@link #isSpoiledForNew}. */
    public Set<Subject> spoiledForNew() {
        return spoiledForNew;
    }

    /**
     * The layer a container's RW layer stands on: its mount's {@code parent}, or, when that file
     * is lost or broken, its image's top layer (what dockerd wrote there, and repair writes back).
     */
    public Optional<Digest> mountParent(dev.dockfsck.model.container.Container c) {
        var m = store.layerDb().mounts().get(c.id());
        if (m == null) {
            return Optional.empty();
        }
        return m.parent().optional().or(() -> store.imageTopOf(c));
    }

    public Optional<Layer> layer(Digest chainId) {
        return store.layerDb().layer(chainId);
    }

    public Optional<Digest> layerOfCacheDir(String cacheId) {
        return Optional.ofNullable(layerByCacheId.get(cacheId));
    }

    /** The overlay2 dir a layer's valid cache-id names, when it exists. */
    public Optional<OverlayDir> cacheDir(Layer l) {
        return l.cacheId().optional().flatMap(id -> store.overlay2().dir(id));
    }

    /** The valid short link id of a layer's cache dir. */
    public Optional<String> linkOf(Layer l) {
        return cacheDir(l).flatMap(d -> d.link().optional());
    }

    /**
     * The {@code lower} a layer's cache dir must hold, from its parent chain's links, uppermost
     * first ({@code l/<parent link>:l/<grandparent link>:...}); an empty list for a base layer;
     * empty when some link of the chain is unknown (that damage is reported on its own layer).
     */
    public Optional<List<String>> expectedLower(Layer l) {
        return expectedLower(l, new HashSet<>());
    }

    private Optional<List<String>> expectedLower(Layer l, Set<Digest> visiting) {
        Optional<List<String>> memo = expectedLowerMemo.get(l.chainId());
        if (memo != null) {
            return memo;
        }
        Optional<List<String>> result;
        if (l.isBase()) {
            result = Optional.of(List.of());
        } else if (!visiting.add(l.chainId())) {
            result = Optional.empty();
        } else {
            Optional<Layer> parent = l.parent().optional().flatMap(this::layer);
            Optional<String> link = parent.flatMap(this::linkOf);
            Optional<List<String>> above = parent.flatMap(p -> expectedLower(p, visiting));
            if (link.isPresent() && above.isPresent()) {
                List<String> out = new ArrayList<>();
                out.add("l/" + link.get());
                out.addAll(above.get());
                result = Optional.of(List.copyOf(out));
            } else {
                result = Optional.empty();
            }
        }
        expectedLowerMemo.put(l.chainId(), result);
        return result;
    }

    /** Layers with parents before children (the order dockerd loads them in); cycles broken. */
    public List<Layer> layersInDependencyOrder() {
        List<Layer> out = new ArrayList<>();
        Set<Digest> done = new HashSet<>();
        for (Layer l : store.layerDb().layers().values()) {
            visit(l, done, new HashSet<>(), out);
        }
        return out;
    }

    private void visit(Layer l, Set<Digest> done, Set<Digest> path, List<Layer> out) {
        if (done.contains(l.chainId()) || !path.add(l.chainId())) {
            return;
        }
        l.parent().optional().flatMap(this::layer).ifPresent(p -> visit(p, done, path, out));
        done.add(l.chainId());
        out.add(l);
    }
}
