package dev.dockfsck.repair.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.Severity;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.container.Container;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.fs.StoreFiles;
import dev.dockfsck.model.image.Image;
import dev.dockfsck.model.image.Reference;
import dev.dockfsck.model.layer.Layer;
import dev.dockfsck.model.layer.Mount;
import dev.dockfsck.model.overlay.OverlayDir;
import dev.dockfsck.model.overlay.ShortLink;
import dev.dockfsck.model.store.DataRoot;
import dev.dockfsck.repair.apply.LayerBlobSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Turns a check report into a plan, losing as little as possible: fix in place what can be fixed
 * (l/ symlinks, link, lower, size, repositories.json), remove only what is damaged beyond that plus
 * what stands on it, keep what a kept container needs, and clean leftovers. Deterministic: the
 * same report always gives the same plan (new link ids are derived from the dir they name).
 */
public final class Planner {
    /** Damage to a layer that in-place fixes cure; anything else damaging means removal. */
    private static final Set<FindingCode> IN_PLACE = EnumSet.of(FindingCode.OVERLAY_LINK_INVALID,
            FindingCode.OVERLAY_SYMLINK_MISSING, FindingCode.OVERLAY_SYMLINK_WRONG, FindingCode.OVERLAY_SYMLINK_DANGLING,
            FindingCode.OVERLAY_LOWER_INVALID,
            FindingCode.LAYER_PARENT_DAMAGED);
    /** Findings no action cures: reported as left alone unless their subject is removed anyway. */
    private static final Set<FindingCode> NEVER_REPAIRED = EnumSet.of(FindingCode.UNEXPECTED_ENTRY,
            FindingCode.LAYER_TAR_SPLIT_MISSING, FindingCode.LAYER_TAR_SPLIT_CORRUPT);
    /** Findings on a container that make it unusable, unless a mount fix ({@link #mountFix}) cures them. */
    private static final Set<FindingCode> CONTAINER_DAMAGE = EnumSet.of(FindingCode.CONTAINER_CONFIG_INVALID,
            FindingCode.CONTAINER_LAYER_MISSING, FindingCode.OVERLAY_DIFF_MISSING);
    private static final Set<FindingCode> LEFTOVERS = EnumSet.of(FindingCode.ORPHAN_CACHE_DIR,
            FindingCode.STALE_WRITE_SET, FindingCode.INTERRUPTED_REMOVAL, FindingCode.STALE_IMPORT_TMP);

    /**
     * @param force        also remove damaged containers (and their RW layers)
     * @param extraNames   image ID to names known from elsewhere (the app store), used to rebuild
     *                     repositories.json
     */
    public record Options(boolean force, Map<Digest, List<String>> extraNames, Optional<LayerBlobSource> blobs) {
        public Options(boolean force, Map<Digest, List<String>> extraNames) {
            this(force, extraNames, Optional.empty());
        }

        public static Options defaults() {
            return new Options(false, Map.of());
        }
    }

    /** Damage kinds healing can undo: the data of regular files, never their type or name. */
    private static final Set<String> HEALABLE_KINDS = Set.of("missing", "wrong_size", "content_differs");
    /** Lost entries without content healing can recreate from the tar (a FIFO needs mkfifo: not from Java). */
    private static final Set<String> HEALABLE_ENTRIES = Set.of("directory", "symlink", "hardlink", "empty_file");
    /** The findings a heal action cures. */
    private static final Set<FindingCode> HEALED_CODES = EnumSet.of(FindingCode.LAYER_CONTENT_MISMATCH,
            FindingCode.LAYER_ENTRY_MISMATCH);

    private final Report report;
    private final DataRoot store;
    private final Options options;
    private final Map<Subject, List<Finding>> bySubject;
    private final List<Action> fixes = new ArrayList<>();
    private final List<String> kept = new ArrayList<>();
    private final Set<Digest> healed = new HashSet<>();

    private Planner(Report report, Options options) {
        this.report = report;
        this.store = report.store();
        this.options = options;
        this.bySubject = report.bySubject();
    }

    public static Plan plan(Report report, Options options) {
        return new Planner(report, options).build();
    }

    private Plan build() {
        Map<Digest, Layer> layers = store.layerDb().layers();
        Map<Digest, List<Digest>> children = new HashMap<>();
        for (Layer l : layers.values()) {
            l.parent().optional().ifPresent(p -> children.computeIfAbsent(p, k -> new ArrayList<>()).add(l.chainId()));
        }
        // 0. layers whose content the app store can heal in place keep their identity
        for (Layer l : layers.values()) {
            heal(l).ifPresent(h -> {
                fixes.add(h);
                healed.add(l.chainId());
            });
        }
        // 1. layers beyond in-place repair, and everything above them
        Set<Digest> broken = new TreeSet<>();
        for (Layer l : layers.values()) {
            if (fatal(Subject.layer(l.chainId()))) {
                broken.add(l.chainId());
            }
        }
        Set<Digest> doomed = new TreeSet<>();
        for (Digest d : broken) {
            above(d, children, doomed);
        }
        // 2. images that cannot be loaded once the plan is done
        Set<Digest> unusableImages = new TreeSet<>();
        for (Image image : store.imageDb().images().values()) {
            boolean unusable = image.config().optional().map(cfg -> cfg.chainIds().stream()
                    .anyMatch(c -> !layers.containsKey(c) || doomed.contains(c))).orElse(true);
            if (unusable) {
                unusableImages.add(image.id());
            }
        }
        // 3. containers: damaged ones go only with --force; the others keep their whole chain
        Set<String> removeContainers = new TreeSet<>();
        Set<Digest> keptForContainers = new HashSet<>();
        Set<Digest> imagesOfKeptContainers = new HashSet<>();
        for (Container c : store.containers().values()) {
            List<Digest> chain = containerChain(c.id());
            boolean imageGone = c.config().optional().flatMap(cfg -> Digest.tryParse(cfg.image()))
                    .map(id -> unusableImages.contains(id) || !store.imageDb().images().containsKey(id)).orElse(true);
            boolean damaged = imageGone || chain.stream().anyMatch(doomed::contains) || containerDamaged(c);
            if (damaged && options.force()) {
                removeContainers.add(c.id());
                continue;
            }
            keptForContainers.addAll(chain);
            c.config().optional().flatMap(cfg -> Digest.tryParse(cfg.image())).ifPresent(imagesOfKeptContainers::add);
            if (damaged) {
                kept.add("container " + c.id().substring(0, 12) + " " + c.config().optional().map(cfg -> cfg.name()).orElse("")
                        + ": damaged, kept (use --force to remove it and its read-write layer)");
            }
        }
        Set<Digest> removeLayers = new TreeSet<>(doomed);
        for (Digest d : doomed) {
            if (keptForContainers.contains(d)) {
                removeLayers.remove(d);
                kept.add("layer " + d.shortHex() + ": damaged, kept because a kept container stands on it");
            }
        }
        Set<Digest> removeImages = new TreeSet<>();
        for (Digest id : unusableImages) {
            if (imagesOfKeptContainers.contains(id)) {
                kept.add("image " + id.shortHex() + ": damaged, kept because a kept container uses it");
            } else {
                removeImages.add(id);
            }
        }
        // 4. in-place fixes of what stays
        Map<String, String> linkAfter = plannedLinks(removeLayers, removeContainers);
        for (Layer l : layers.values()) {
            if (!removeLayers.contains(l.chainId()) && !doomed.contains(l.chainId())) {
                fixLayerInPlace(l, linkAfter);
            }
        }
        for (Container c : store.containers().values()) {
            if (!removeContainers.contains(c.id())) {
                fixContainerInPlace(c, linkAfter);
            }
        }
        // assemble, in dockerd's order: record, fixes, references, images, layers top-down, containers, leftovers
        List<Action> actions = new ArrayList<>();
        Set<Digest> lost = lostImages();
        Set<Digest> toRestore = new TreeSet<>(removeImages);
        toRestore.addAll(lost);
        List<RecordPendingRestore.Image> pending = pendingEntries(toRestore);
        if (!pending.isEmpty()) {
            actions.add(new RecordPendingRestore(pending, List.of(lost.isEmpty() ? "images removed by this repair"
                    : removeImages.isEmpty() ? "images lost before this repair (a tag names them, their config is gone)"
                    : "images removed by this repair, and images lost before it (a tag names them, their config is gone)")));
        }
        actions.addAll(fixes);
        repositories(removeImages).ifPresent(actions::add);
        for (Digest id : removeImages) {
            Image image = store.imageDb().images().get(id);
            List<String> why = reasons(Subject.image(id));
            actions.add(new RemovePath(rel(image.path()), why));
            Path meta = store.imageDir().resolve("imagedb").resolve("metadata").resolve("sha256").resolve(id.hex());
            if (StoreFiles.kindOf(meta) != FileKind.MISSING) {
                actions.add(new RemovePath(rel(meta), why));
            }
        }
        for (Digest d : topDown(removeLayers, children)) {
            actions.add(removeLayer(layers.get(d)));
        }
        for (String id : removeContainers) {
            actions.add(removeContainer(id));
        }
        for (Finding f : report.findings()) {
            if (LEFTOVERS.contains(f.code()) || (f.code() == FindingCode.OVERLAY_SYMLINK_DANGLING
                    && f.subject().kind() == Subject.Kind.PATH)) {
                if (f.code() == FindingCode.INTERRUPTED_REMOVAL && f.path().contains("/layerdb/mounts/")
                        && !options.force()) {
                    kept.add(f.path() + ": RW layer record of a removed container, kept (use --force)");
                    continue;
                }
                actions.add(new RemovePath(f.path(), List.of(f.code() + " " + f.subject())));
            }
        }
        actions.addAll(dirsOrphanedByPlan(actions));
        actions.addAll(linksIntoRemovedDirs(actions));
        for (Finding f : report.findings()) {
            if (NEVER_REPAIRED.contains(f.code()) && !removed(f.subject(), removeLayers, removeImages, removeContainers)) {
                kept.add(f.code() + " " + f.subject() + ": not repaired (" + f.message() + ")");
            }
        }
        return new Plan(store.root().toString(), dedupe(actions), kept.stream().distinct().toList());
    }

    /** Root-relative paths the actions remove. */
    private static Set<String> removedPaths(List<Action> actions) {
        Set<String> removed = new HashSet<>();
        for (Action a : actions) {
            if (a instanceof RemoveLayer rl) {
                java.util.stream.Stream.of(rl.cacheDir(), rl.link()).filter(java.util.Objects::nonNull).forEach(removed::add);
            } else if (a instanceof RemoveContainer rc) {
                removed.addAll(rc.paths());
            } else if (a instanceof RemovePath rp) {
                removed.add(rp.path());
            }
        }
        return removed;
    }

    /**
     * overlay2 dirs that no layer or container names and that only removed dirs stand on: the
     * checker does not call them orphans while a {@code lower} still names them (the dir of a
     * layer whose layerdb entry was lost, under a child), but once the plan removes every dir
     * standing on them they are, and leaving them would need a second repair.
     */
    private List<Action> dirsOrphanedByPlan(List<Action> actions) {
        Set<String> removed = removedPaths(actions);
        String overlay = store.driver() + "/";
        Set<String> used = new HashSet<>();
        store.layerDb().layers().values().forEach(l -> l.cacheId().optional().ifPresent(used::add));
        store.layerDb().mounts().values().forEach(m -> {
            mountIdOf(m).ifPresent(id -> {
                used.add(id);
                used.add(id + OverlayDir.INIT_SUFFIX);
            });
            m.initId().optional().ifPresent(used::add);
        });
        Set<String> lowerLinksAfter = new HashSet<>();
        for (OverlayDir d : store.overlay2().dirs().values()) {
            if (!removed.contains(overlay + d.id())) {
                for (String entry : d.lower().optional().orElse(List.of())) {
                    if (entry.startsWith("l/")) {
                        lowerLinksAfter.add(entry.substring(2));
                    }
                }
            }
        }
        List<Action> out = new ArrayList<>();
        for (OverlayDir d : store.overlay2().dirs().values()) {
            String rel = rel(d.dir());
            if (used.contains(d.id()) || removed.contains(rel)) {
                continue;
            }
            boolean stoodOn = d.link().optional().isPresent();
            if (stoodOn && !d.link().optional().map(lowerLinksAfter::contains).orElse(false)) {
                out.add(new RemovePath(rel, List.of(FindingCode.ORPHAN_CACHE_DIR + " " + Subject.path(rel)
                        + ": used by no layer or container once the layers standing on it are removed")));
            }
        }
        return out;
    }

    /** l/ entries that point into an overlay2 dir the plan removes and that no action removes yet. */
    private List<Action> linksIntoRemovedDirs(List<Action> actions) {
        Set<String> removed = removedPaths(actions);
        String overlay = store.driver() + "/";
        List<Action> out = new ArrayList<>();
        for (ShortLink sl : store.overlay2().links().values()) {
            String rel = rel(sl.path());
            if (!removed.contains(rel) && sl.targetDirId().map(id -> removed.contains(overlay + id)).orElse(false)) {
                out.add(new RemovePath(rel, List.of("points into removed " + overlay + sl.targetDirId().get())));
            }
        }
        return out;
    }

    /**
     * A heal action for a layer whose only fatal damage is regular-file content and lost entries
     * without content (directories, links, empty files) that the app store holds an intact copy
     * of; empty otherwise (then the layer is removed and re-injected).
     */
    private Optional<Action> heal(Layer l) {
        if (l.diffId().optional().isEmpty()) {
            return Optional.empty();
        }
        Subject s = Subject.layer(l.chainId());
        List<Finding> mine = bySubject.getOrDefault(s, List.of());
        Optional<Finding> mismatch = mine.stream().filter(f -> f.code() == FindingCode.LAYER_CONTENT_MISMATCH).findFirst();
        Optional<Finding> lost = mine.stream().filter(f -> f.code() == FindingCode.LAYER_ENTRY_MISMATCH).findFirst();
        if (mismatch.isEmpty() && lost.isEmpty()) {
            return Optional.empty();
        }
        boolean otherFatal = mine.stream().anyMatch(f -> f.severity() == Severity.ERROR && f.code().damaging()
                && !HEALED_CODES.contains(f.code()) && !IN_PLACE.contains(f.code()) && !isSizeOnly(f));
        Optional<OverlayDir> dir = l.cacheId().optional().flatMap(id -> store.overlay2().dir(id));
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
        Optional<LayerBlobSource> src = options.blobs().filter(b -> b.blobFor(diffId).isPresent());
        if (src.isPresent()) {
            return Optional.of(new HealLayerFiles(l.chainId().toString(), rel(dir.get().diffDir()), diffId.toString(),
                    src.get().location(), names.get(), entries.get(), reasons));
        }
        // no copy of the layer: lost entries alone can be made from the layer's own tar-split,
        // whose headers the deep check just proved (the re-assembled tar hashed to the diffID)
        if (mismatch.isEmpty() && l.tarSplit() == FileKind.REGULAR) {
            return Optional.of(new RecreateEntries(l.chainId().toString(), rel(dir.get().diffDir()),
                    rel(l.tarSplitPath()), entries.get(), reasons));
        }
        return Optional.empty();
    }

    /**
     * The names of a damage list in a finding's evidence when every one of them can be healed
     * (complete list, each accepted by {@code ok}, each a plain relative path); empty otherwise.
     */
    private static Optional<List<String>> healable(Map<String, Object> ev, String listKey, String totalKey,
                                                   java.util.function.Predicate<Map<?, ?>> ok) {
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

    private boolean fatal(Subject s) {
        for (Finding f : bySubject.getOrDefault(s, List.of())) {
            if (HEALED_CODES.contains(f.code()) && s.kind() == Subject.Kind.LAYER
                    && healed.contains(Digest.parse(s.id()))) {
                continue;
            }
            if (f.severity() == Severity.ERROR && f.code().damaging() && !IN_PLACE.contains(f.code())
                    && !isSizeOnly(f)) {
                return true;
            }
        }
        return false;
    }

    /** A missing or invalid {@code size} is recomputed in place from diff/. */
    private static boolean isSizeOnly(Finding f) {
        return (f.code() == FindingCode.LAYER_FILE_MISSING || f.code() == FindingCode.LAYER_FILE_INVALID)
                && Layer.SIZE.equals(f.evidence().get("file"));
    }

    private static void above(Digest d, Map<Digest, List<Digest>> children, Set<Digest> out) {
        if (out.add(d)) {
            for (Digest c : children.getOrDefault(d, List.of())) {
                above(c, children, out);
            }
        }
    }

    private List<Digest> containerChain(String containerId) {
        List<Digest> out = new ArrayList<>();
        Mount m = store.layerDb().mounts().get(containerId);
        Container c = store.containers().get(containerId);
        Digest d = m == null ? null : m.parent().optional().or(() -> c == null ? Optional.empty() : imageTop(c)).orElse(null);
        Set<Digest> seen = new HashSet<>();
        while (d != null && seen.add(d)) {
            out.add(d);
            Layer l = store.layerDb().layers().get(d);
            d = l == null ? null : l.parent().optional().orElse(null);
        }
        return out;
    }

    /** Children before parents, as dockerd releases layers. */
    private static List<Digest> topDown(Set<Digest> set, Map<Digest, List<Digest>> children) {
        List<Digest> out = new ArrayList<>();
        Set<Digest> done = new HashSet<>();
        for (Digest d : set) {
            post(d, set, children, done, out);
        }
        return out;
    }

    private static void post(Digest d, Set<Digest> set, Map<Digest, List<Digest>> children, Set<Digest> done,
                             List<Digest> out) {
        if (!done.add(d)) {
            return;
        }
        for (Digest c : children.getOrDefault(d, List.of())) {
            if (set.contains(c)) {
                post(c, set, children, done, out);
            }
        }
        out.add(d);
    }

    /** The short link id each surviving overlay dir will have once the plan is done. */
    private Map<String, String> plannedLinks(Set<Digest> removeLayers, Set<String> removeContainers) {
        Map<String, String> pointing = new HashMap<>();
        for (ShortLink sl : store.overlay2().links().values()) {
            sl.targetDirId().ifPresent(id -> pointing.putIfAbsent(id, sl.name()));
        }
        Map<String, String> out = new HashMap<>();
        Set<String> taken = new HashSet<>(store.overlay2().links().keySet());
        for (OverlayDir d : store.overlay2().dirs().values()) {
            Optional<String> link = d.link().optional();
            if (link.isPresent()) {
                ShortLink sl = store.overlay2().links().get(link.get());
                boolean ours = sl == null || sl.targetDirId().map(d.id()::equals).orElse(false)
                        || sl.targetDirId().flatMap(t -> store.overlay2().dir(t)).flatMap(o -> o.link().optional())
                        .map(other -> !other.equals(link.get())).orElse(true);
                if (ours) {
                    out.put(d.id(), link.get());
                    continue;
                }
            }
            // link lost or stolen: reuse an l/ entry that still points at this dir, else a new id
            String name = pointing.get(d.id());
            if (name == null || (link.isPresent() && name.equals(link.get()))) {
                name = newLinkId(d.id(), taken);
            }
            taken.add(name);
            out.put(d.id(), name);
        }
        return out;
    }

    /** A 26-character [A-Z2-7] id like dockerd's, derived from the dir id so plans are reproducible. */
    static String newLinkId(String dirId, Set<String> taken) {
        for (int salt = 0; ; salt++) {
            byte[] h = Digest.newSha256().digest(("dockfsck-link:" + dirId + ":" + salt).getBytes(StandardCharsets.UTF_8));
            StringBuilder b = new StringBuilder();
            String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
            for (int i = 0; i < 26; i++) {
                b.append(alphabet.charAt((h[i] & 0xff) % 32));
            }
            if (!taken.contains(b.toString())) {
                return b.toString();
            }
        }
    }

    private void fixLayerInPlace(Layer l, Map<String, String> linkAfter) {
        Subject s = Subject.layer(l.chainId());
        l.cacheId().optional().flatMap(id -> store.overlay2().dir(id)).ifPresent(dir -> {
            fixOverlayDir(dir, expectedLower(l, linkAfter), linkAfter, overlayReasons(s));
            boolean sizeBad = !l.size().isOk();
            if (sizeBad && dir.diff() == FileKind.DIRECTORY) {
                fixes.add(new WriteFile(rel(l.dir().resolve(Layer.SIZE)),
                        Long.toString(StoreFiles.diskUsage(dir.diffDir())), reasons(s, Planner::isSizeOnly)));
            }
        });
    }

    private void fixContainerInPlace(Container c, Map<String, String> linkAfter) {
        Mount m = store.layerDb().mounts().get(c.id());
        if (m == null) {
            return;
        }
        for (Finding f : bySubject.getOrDefault(Subject.container(c.id()), List.of())) {
            mountFix(c, f).ifPresent(fixes::add);
        }
        List<String> why = overlayReasons(Subject.container(c.id()));
        Optional<Digest> parent = m.parent().optional().or(() -> imageTop(c));
        Optional<Layer> top = parent.map(store.layerDb().layers()::get);
        Optional<List<String>> initLower = parent.isEmpty() && m.parent().isMissing() ? Optional.of(List.of())
                : top.flatMap(t -> t.cacheId().optional().map(linkAfter::get)
                .flatMap(link -> expectedLower(t, linkAfter).map(rest -> prepend(link, rest))));
        Optional<OverlayDir> init = m.initId().optional().or(() -> derivedInitId(m)).flatMap(id -> store.overlay2().dir(id));
        init.ifPresent(dir -> fixOverlayDir(dir, initLower, linkAfter, why));
        Optional<List<String>> rwLower = init.map(d -> linkAfter.get(d.id()))
                .flatMap(link -> initLower.map(rest -> prepend(link, rest)));
        mountIdOf(m).flatMap(id -> store.overlay2().dir(id))
                .ifPresent(dir -> fixOverlayDir(dir, rwLower, linkAfter, why));
    }

    /** Whether a container is unusable as it is: a finding no mount fix cures. */
    private boolean containerDamaged(Container c) {
        return bySubject.getOrDefault(Subject.container(c.id()), List.of()).stream().anyMatch(f ->
                CONTAINER_DAMAGE.contains(f.code()) && f.severity() == Severity.ERROR && mountFix(c, f).isEmpty());
    }

    /**
     * The in-place fix of a container's broken mount file where dockerd's own naming gives the
     * value: {@code init-id} is always {@code <mount-id>-init} (the layer store names the init
     * layer so), {@code parent} the top chainID of the container's image.
     */
    private Optional<Action> mountFix(Container c, Finding f) {
        Mount m = store.layerDb().mounts().get(c.id());
        if (f.code() != FindingCode.CONTAINER_LAYER_MISSING || m == null) {
            return Optional.empty();
        }
        Object file = f.evidence().get("file");
        List<String> why = List.of(f.code() + " " + f.subject());
        if (Mount.MOUNT_ID.equals(file) && m.mountId().optional().isEmpty()) {
            return derivedMountId(m).map(id -> new WriteFile(rel(m.dir().resolve(Mount.MOUNT_ID)), id, why));
        }
        if (Mount.INIT_ID.equals(file) && m.initId().optional().isEmpty()) {
            return derivedInitId(m).map(id -> new WriteFile(rel(m.dir().resolve(Mount.INIT_ID)), id, why));
        }
        if (Mount.PARENT.equals(file) && m.parent().optional().isEmpty()) {
            return imageTop(c).map(top -> new WriteFile(rel(m.dir().resolve(Mount.PARENT)), top.toString(), why));
        }
        return Optional.empty();
    }

    /** {@code <mount-id>-init} when that overlay2 dir exists. */
    private Optional<String> derivedInitId(Mount m) {
        return m.mountId().optional().map(id -> id + OverlayDir.INIT_SUFFIX).filter(id -> store.overlay2().dir(id).isPresent());
    }

    /** The mount's RW dir id: its {@code mount-id}, else its {@code init-id} without "-init" when that dir exists. */
    private Optional<String> mountIdOf(Mount m) {
        return m.mountId().optional().or(() -> derivedMountId(m));
    }

    private Optional<String> derivedMountId(Mount m) {
        return m.initId().optional().filter(id -> id.endsWith(OverlayDir.INIT_SUFFIX))
                .map(id -> id.substring(0, id.length() - OverlayDir.INIT_SUFFIX.length()))
                .filter(id -> !id.isEmpty() && store.overlay2().dir(id).isPresent());
    }

    /** The registered top layer of the container's image, read from the image's config. */
    private Optional<Digest> imageTop(Container c) {
        return store.imageTopOf(c).filter(store.layerDb().layers()::containsKey);
    }

    /**
     * Images a tag names whose config is gone (REFERENCE_TARGET_MISSING with a valid image ID):
     * lost before this repair; they are recorded for restore like the images it removes.
     */
    private Set<Digest> lostImages() {
        Set<Digest> out = new TreeSet<>();
        for (Finding f : report.findings()) {
            if (f.code() == FindingCode.REFERENCE_TARGET_MISSING) {
                Digest.tryParse(String.valueOf(f.evidence().get("target"))).ifPresent(out::add);
            }
        }
        return out;
    }

    private void fixOverlayDir(OverlayDir dir, Optional<List<String>> lower, Map<String, String> linkAfter, List<String> why) {
        String link = linkAfter.get(dir.id());
        if (link == null) {
            return;
        }
        if (!dir.link().optional().map(link::equals).orElse(false)) {
            fixes.add(new WriteFile(rel(dir.dir().resolve(OverlayDir.LINK)), link, why));
        }
        ShortLink sl = store.overlay2().links().get(link);
        String target = "../" + dir.id() + "/diff";
        if (sl == null || !sl.target().map(target::equals).orElse(false)) {
            fixes.add(new Symlink(rel(dir.dir().getParent().resolve("l").resolve(link)), target, why));
        }
        lower.ifPresent(expected -> {
            Path p = dir.dir().resolve(OverlayDir.LOWER);
            if (expected.isEmpty()) {
                if (!dir.lower().isMissing()) {
                    fixes.add(new RemovePath(rel(p), why));
                }
            } else if (!dir.lower().optional().map(expected::equals).orElse(false)) {
                fixes.add(new WriteFile(rel(p), String.join(":", expected), why));
            }
        });
    }

    private Optional<List<String>> expectedLower(Layer l, Map<String, String> linkAfter) {
        List<String> out = new ArrayList<>();
        Set<Digest> seen = new HashSet<>();
        Layer cur = l;
        while (!cur.isBase()) {
            if (!seen.add(cur.chainId())) {
                return Optional.empty();
            }
            Optional<Layer> parent = cur.parent().optional().map(store.layerDb().layers()::get);
            Optional<String> link = parent.flatMap(p -> p.cacheId().optional()).map(linkAfter::get);
            if (parent.isEmpty() || link.isEmpty()) {
                return Optional.empty();
            }
            out.add("l/" + link.get());
            cur = parent.get();
        }
        return Optional.of(out);
    }

    private static List<String> prepend(String link, List<String> rest) {
        List<String> out = new ArrayList<>();
        out.add("l/" + link);
        out.addAll(rest);
        return out;
    }

    /** repositories.json as it must be after the plan: rebuilt if unreadable, else without dead refs. */
    private Optional<Action> repositories(Set<Digest> removeImages) {
        var repos = store.repositories();
        Set<Digest> surviving = new HashSet<>(store.imageDb().images().keySet());
        surviving.removeAll(removeImages);
        Map<String, Map<String, String>> out = new TreeMap<>();
        boolean rebuild = !repos.references().isOk() && !repos.references().isMissing();
        List<String> why = new ArrayList<>();
        if (rebuild) {
            why.add(FindingCode.REPOSITORIES_INVALID.name());
            for (Container c : store.containers().values()) {
                c.config().optional().ifPresent(cfg -> Digest.tryParse(cfg.image()).filter(surviving::contains)
                        .ifPresent(id -> cfg.imageName().filter(Reference::isTag).ifPresent(n -> put(out, n, id))));
            }
            options.extraNames().forEach((id, names) -> {
                if (surviving.contains(id)) {
                    names.stream().filter(Reference::isTag).forEach(n -> put(out, n, id));
                }
            });
        } else {
            boolean changed = false;
            for (Reference r : repos.references().optional().orElse(List.of())) {
                Optional<Digest> target = Digest.tryParse(r.target());
                if (target.isPresent() && surviving.contains(target.get())) {
                    out.computeIfAbsent(r.repository(), k -> new TreeMap<>()).put(r.ref(), r.target());
                } else {
                    changed = true;
                    why.add((target.isPresent() && store.imageDb().images().containsKey(target.get()) ? "image removed, untag " : FindingCode.REFERENCE_TARGET_MISSING + " reference ") + r.ref());
                }
            }
            // tags the app store says the engine lost, on images that stay
            for (Finding f : report.findings()) {
                if (f.code() == FindingCode.REFERENCE_LOST) {
                    Optional<Digest> id = Digest.tryParse(String.valueOf(f.evidence().get("image"))).filter(surviving::contains);
                    if (id.isPresent() && Reference.isTag(f.subject().id())) {
                        put(out, f.subject().id(), id.get());
                        changed = true;
                        why.add(FindingCode.REFERENCE_LOST + " " + f.subject().id());
                    }
                }
            }
            if (!changed) {
                return Optional.empty();
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ObjectNode r = root.putObject("Repositories");
        out.forEach((repo, refs) -> {
            ObjectNode n = r.putObject(repo);
            refs.forEach(n::put);
        });
        return Optional.of(new WriteFile(rel(repos.path()), root.toString(), why));
    }

    /** Adds a tag as dockerd keys it: its familiar form under its repository. */
    private static void put(Map<String, Map<String, String>> out, String name, Digest id) {
        String tag = Reference.familiar(name);
        out.computeIfAbsent(Reference.repositoryOf(tag), k -> new TreeMap<>()).put(tag, id.toString());
    }

    private List<RecordPendingRestore.Image> pendingEntries(Set<Digest> removeImages) {
        Map<Digest, List<String>> tags = new LinkedHashMap<>();
        for (Reference r : store.repositories().references().optional().orElse(List.of())) {
            Digest.tryParse(r.target()).ifPresent(d -> tags.computeIfAbsent(d, k -> new ArrayList<>()).add(r.ref()));
        }
        options.extraNames().forEach((d, names) -> tags.computeIfAbsent(d, k -> new ArrayList<>()).addAll(names));
        List<RecordPendingRestore.Image> out = new ArrayList<>();
        for (Digest id : removeImages) {
            List<String> t = tags.getOrDefault(id, List.of()).stream().distinct().toList();
            out.add(new RecordPendingRestore.Image(t.isEmpty() ? id.toString() : t.get(0), id.toString(), t, null));
        }
        return out;
    }

    private RemoveLayer removeLayer(Layer l) {
        String cacheDir = null;
        String link = null;
        Optional<OverlayDir> dir = l.cacheId().optional().flatMap(id -> store.overlay2().dir(id));
        if (dir.isEmpty() && l.cacheId().optional().isEmpty()) {
            dir = lostCacheDir(l);
        }
        if (dir.isPresent()) {
            cacheDir = rel(dir.get().dir());
            Optional<String> name = dir.get().link().optional();
            ShortLink sl = name.map(store.overlay2().links()::get).orElse(null);
            if (sl != null && sl.targetDirId().map(dir.get().id()::equals).orElse(false)) {
                link = rel(sl.path());
            }
        }
        String rand = Digest.sha256Of(("dockfsck-removing:" + l.chainId()).getBytes(StandardCharsets.UTF_8)).hex()
                .substring(0, 12);
        List<String> why = new ArrayList<>(reasons(Subject.layer(l.chainId())));
        if (why.isEmpty()) {
            why.add("stands on a removed layer");
        }
        return new RemoveLayer(l.chainId().toString(), rel(l.dir()), rand, cacheDir, link, why);
    }

    /**
     * The overlay2 dir of a layer whose cache-id is lost: the dir a child's {@code lower} names
     * first (through its l/ link or its link file), if no layer claims it.
     */
    private Optional<OverlayDir> lostCacheDir(Layer l) {
        for (Layer child : store.layerDb().layers().values()) {
            if (!child.parent().optional().map(l.chainId()::equals).orElse(false)) {
                continue;
            }
            Optional<String> first = child.cacheId().optional().flatMap(id -> store.overlay2().dir(id))
                    .flatMap(d -> d.lower().optional()).filter(lw -> !lw.isEmpty()).map(lw -> lw.get(0))
                    .filter(e -> e.startsWith("l/")).map(e -> e.substring(2));
            if (first.isEmpty()) {
                continue;
            }
            Optional<OverlayDir> viaLink = Optional.ofNullable(store.overlay2().links().get(first.get()))
                    .flatMap(ShortLink::targetDirId).flatMap(id -> store.overlay2().dir(id));
            Optional<OverlayDir> found = viaLink.isPresent() ? viaLink : store.overlay2().dirs().values().stream()
                    .filter(d -> d.link().optional().map(first.get()::equals).orElse(false)).findFirst();
            Set<String> claimed = new HashSet<>();
            store.layerDb().layers().values().forEach(o -> o.cacheId().optional().ifPresent(claimed::add));
            store.layerDb().mounts().values().forEach(m -> {
                mountIdOf(m).ifPresent(claimed::add);
                m.initId().optional().or(() -> derivedInitId(m)).ifPresent(claimed::add);
            });
            if (found.isPresent() && !claimed.contains(found.get().id())) {
                return found;
            }
        }
        return Optional.empty();
    }

    private RemoveContainer removeContainer(String id) {
        List<String> paths = new ArrayList<>();
        Mount m = store.layerDb().mounts().get(id);
        if (m != null) {
            paths.add(rel(m.dir()));
            for (var dirId : List.of(mountIdOf(m), m.initId().optional().or(() -> derivedInitId(m)))) {
                dirId.flatMap(d -> store.overlay2().dir(d)).ifPresent(dir -> {
                    dir.link().optional().map(store.overlay2().links()::get)
                            .filter(sl -> sl.targetDirId().map(dir.id()::equals).orElse(false))
                            .ifPresent(sl -> paths.add(rel(sl.path())));
                    paths.add(rel(dir.dir()));
                });
            }
        }
        paths.add(rel(store.containers().get(id).dir()));
        return new RemoveContainer(id, paths, reasons(Subject.container(id)));
    }

    private List<String> reasons(Subject s) {
        return reasons(s, f -> true);
    }

    private List<String> reasons(Subject s, java.util.function.Predicate<Finding> which) {
        return bySubject.getOrDefault(s, List.of()).stream().filter(f -> f.severity() != Severity.INFO)
                .filter(which).map(f -> f.code() + " " + f.subject()).distinct().toList();
    }

    /** The findings an overlay-dir fix answers; when none names it, the fix follows from a neighbour's. */
    private List<String> overlayReasons(Subject s) {
        List<String> r = reasons(s, f -> f.code().name().startsWith("OVERLAY_"));
        return r.isEmpty() ? List.of("lower follows the repaired links of the parent chain") : r;
    }

    private static boolean removed(Subject s, Set<Digest> removeLayers, Set<Digest> removeImages,
                                   Set<String> removeContainers) {
        return switch (s.kind()) {
            case LAYER -> removeLayers.contains(Digest.parse(s.id()));
            case IMAGE -> removeImages.contains(Digest.parse(s.id()));
            case CONTAINER -> removeContainers.contains(s.id());
            default -> false;
        };
    }

    private String rel(Path p) {
        return store.root().relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
    }

    private static List<Action> dedupe(List<Action> actions) {
        return new ArrayList<>(new java.util.LinkedHashSet<>(actions));
    }
}
