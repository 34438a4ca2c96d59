package dev.dockfsck.repair.restore;

import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.AppStoreFinding;
import dev.dockfsck.model.appstore.BlobVerificationException;
import dev.dockfsck.model.appstore.ImageNames;
import dev.dockfsck.model.appstore.StoreImage;
import dev.dockfsck.model.appstore.UnresolvedImage;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.image.Reference;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * Re-injects images from the app store into dockerd: each image is streamed as a docker-archive
 * straight from the store's blobs into {@code POST /images/load} (no copy on disk), its layers
 * verified by sha256 on the way; a blob that fails aborts the upload before dockerd can
 * register anything of that image. Images dockerd already has (same image ID) are skipped
 * unless forced. After each load, dockerd's image ID, rootfs layers and tags are checked.
 *
 * <p>One result per image, in store order; other images go on when one fails.
 */
public final class Restorer {
    private static final int PIPE_BYTES = 1 << 20;

    private final Engine engine;
    private final AppStore store;
    /** Set when an engine call of the current image failed because the engine could not be reached. */
    private boolean engineLost;

    public Restorer(Engine engine, AppStore store) {
        this.engine = Objects.requireNonNull(engine, "engine");
        this.store = Objects.requireNonNull(store, "store");
    }

    /** Every image of the store. */
    public List<RestoreResult> restoreAll(RestoreOptions options) throws RestoreException {
        preflight();
        List<RestoreResult> out = new ArrayList<>();
        run(store.images(), store.unresolved(), options, out);
        return out;
    }

    /** The images with these names ({@code host/repo:tag}, familiar form, {@code host/repo@sha256:...} or image ID). */
    public List<RestoreResult> restoreImages(Collection<String> names, RestoreOptions options) throws RestoreException {
        preflight();
        List<RestoreResult> out = new ArrayList<>();
        List<StoreImage> chosen = new ArrayList<>();
        List<UnresolvedImage> broken = new ArrayList<>();
        List<RestoreResult> unknown = new ArrayList<>();
        for (String n : names) {
            List<StoreImage> found = store.find(n);
            if (!found.isEmpty()) {
                chosen.addAll(found);
                continue;
            }
            List<UnresolvedImage> u = store.unresolved().stream().filter(x -> x.names().contains(n)).toList();
            if (!u.isEmpty()) {
                broken.addAll(u);
            } else {
                unknown.add(new RestoreResult(n, List.of(), List.of(), "", RestoreResult.Status.FAILED,
                        "no image " + n + " in the app store " + store.root()));
            }
        }
        run(chosen, broken, options, out);
        out.addAll(unknown);
        return out;
    }

    /** Every image of these apps. */
    public List<RestoreResult> restoreApps(Collection<String> apps, RestoreOptions options) throws RestoreException {
        preflight();
        List<RestoreResult> out = new ArrayList<>();
        List<StoreImage> chosen = new ArrayList<>();
        List<UnresolvedImage> broken = new ArrayList<>();
        List<RestoreResult> unknown = new ArrayList<>();
        for (String a : apps) {
            if (!store.apps().contains(a)) {
                unknown.add(new RestoreResult(a, List.of(), List.of(a), "", RestoreResult.Status.FAILED,
                        "no app " + a + " in the app store " + store.root()));
                continue;
            }
            chosen.addAll(store.imagesOfApp(a));
            broken.addAll(store.unresolved().stream().filter(u -> u.app().equals(a)).toList());
        }
        run(chosen, broken, options, out);
        out.addAll(unknown);
        return out;
    }

    private void preflight() throws RestoreException {
        if (!store.readable()) {
            String why = store.findings().stream().map(AppStoreFinding::message).collect(Collectors.joining("; "));
            throw new RestoreException("cannot restore: " + (why.isEmpty() ? "the app store " + store.root() + " is unreadable" : why));
        }
        try {
            engine.ping();
        } catch (EngineException e) {
            throw new RestoreException("cannot restore: " + e.getMessage(), e);
        }
    }

    /** Images with the same image ID are loaded once, under the union of their names. */
    private record Group(Digest imageId, List<StoreImage> members, List<String> tags, List<String> apps) {
        String label() {
            return tags.isEmpty() ? members.get(0).key() : tags.get(0);
        }
    }

    private void run(List<StoreImage> chosen, List<UnresolvedImage> broken, RestoreOptions options, List<RestoreResult> out) {
        Map<Digest, List<StoreImage>> byId = new LinkedHashMap<>();
        for (StoreImage i : chosen) {
            List<StoreImage> l = byId.computeIfAbsent(i.imageId(), k -> new ArrayList<>());
            if (!l.contains(i)) {
                l.add(i);
            }
        }
        Set<String> covered = new LinkedHashSet<>();
        List<Group> groups = new ArrayList<>();
        for (Map.Entry<Digest, List<StoreImage>> e : byId.entrySet()) {
            Set<String> tags = new LinkedHashSet<>();
            Set<String> apps = new LinkedHashSet<>();
            for (StoreImage i : e.getValue()) {
                tags.addAll(i.names());
                if (!i.app().isEmpty()) {
                    apps.add(i.app());
                }
            }
            covered.addAll(tags);
            groups.add(new Group(e.getKey(), e.getValue(), new ArrayList<>(tags), new ArrayList<>(apps)));
        }
        String gone = null;
        for (Group g : groups) {
            if (gone != null) {
                out.add(result(g, RestoreResult.Status.FAILED, "not attempted: " + gone));
                continue;
            }
            engineLost = false;
            out.add(restore(g, options));
            if (engineLost) {
                // the engine went away: tell the rest at once instead of failing each slowly
                try {
                    engine.ping();
                } catch (EngineException e) {
                    gone = e.getMessage();
                }
            }
        }
        Set<String> reported = new LinkedHashSet<>();
        for (UnresolvedImage u : broken) {
            if (!u.names().isEmpty() && covered.containsAll(u.names())) {
                continue; // the same image restored from another app's copy
            }
            if (reported.add(u.key() + "\0" + u.app())) {
                out.add(new RestoreResult(u.label(), u.names(), u.app().isEmpty() ? List.of() : List.of(u.app()), "",
                        RestoreResult.Status.FAILED, "cannot be restored from the app store: " + u.reason()));
            }
        }
    }

    private RestoreResult result(Group g, RestoreResult.Status s, String reason) {
        return new RestoreResult(g.label(), g.tags(), g.apps(), g.imageId().toString(), s, reason);
    }

    private RestoreResult restore(Group g, RestoreOptions options) {
        StoreImage img = g.members().stream().filter(i -> store.blockers(i).isEmpty()).findFirst().orElse(g.members().get(0));
        List<AppStoreFinding> blockers = store.blockers(img);
        if (!blockers.isEmpty()) {
            return result(g, RestoreResult.Status.FAILED, "cannot be restored from the app store: "
                    + blockers.stream().map(AppStoreFinding::message).distinct().collect(Collectors.joining("; ")));
        }
        String id = g.imageId().toString();
        try {
            Optional<Engine.EngineImage> have = engine.inspect(id);
            if (have.isPresent() && !options.force()) {
                List<String> tagged = ensureTags(g, have.get());
                return result(g, RestoreResult.Status.SKIPPED_PRESENT, "dockerd already has image " + id
                        + (tagged.isEmpty() ? "" : "; tagged it " + String.join(", ", tagged)));
            }
        } catch (EngineException e) {
            engineLost |= e.unreachable();
            return result(g, RestoreResult.Status.FAILED, e.getMessage());
        }
        return load(g, img, options);
    }

    private RestoreResult load(Group g, StoreImage img, RestoreOptions options) {
        String id = g.imageId().toString();
        byte[] manifest = DockerArchiveWriter.manifestJson(img, g.tags());
        long total = DockerArchiveWriter.contentBytes(img, manifest);
        String label = g.label();
        options.progress().onProgress(label, 0, total);
        StreamPipe pipe = new StreamPipe(PIPE_BYTES);
        AtomicReference<Throwable> writeError = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try {
                DockerArchiveWriter.write(store, img, g.tags(), pipe.output(), n -> options.progress().onProgress(label, n, total));
            } catch (Throwable t) {
                writeError.set(t);
                pipe.abort(t);
            }
        }, "dockfsck-restore-" + g.imageId().shortHex());
        writer.setDaemon(true);
        writer.start();
        Engine.LoadOutcome outcome = null;
        EngineException engineError = null;
        try {
            outcome = engine.load(pipe.input());
        } catch (EngineException e) {
            engineError = e;
            engineLost |= e.unreachable();
        } finally {
            pipe.closeReader();
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return result(g, RestoreResult.Status.FAILED, "interrupted");
        }
        Throwable w = writeError.get();
        if (w instanceof BlobVerificationException bve) {
            return result(g, RestoreResult.Status.FAILED, "layer blob " + bve.location() + " failed verification ("
                    + bve.getMessage() + "); the upload was aborted" + registeredAnyway(id));
        }
        if (engineError != null && w == null && awaitImage(id)) {
            // the whole archive went out but the response was lost: dockerd may have loaded it anyway
            return verifyLoaded(g, img, new Engine.LoadOutcome(List.of("response lost: " + engineError.getMessage()),
                    Optional.empty()));
        }
        if (engineError != null) {
            return result(g, RestoreResult.Status.FAILED, engineError.getMessage());
        }
        if (w != null) {
            return result(g, RestoreResult.Status.FAILED, "reading the app store failed: " + DockerEngine.message(w)
                    + "; the upload was aborted" + registeredAnyway(id));
        }
        if (outcome.error().isPresent()) {
            return result(g, RestoreResult.Status.FAILED, "the Docker engine refused the load: " + outcome.error().get());
        }
        options.progress().onProgress(label, total, total);
        return verifyLoaded(g, img, outcome);
    }

    private String registeredAnyway(String id) {
        try {
            return engine.inspect(id).isPresent() ? ", but dockerd has the image anyway" : "; dockerd registered nothing";
        } catch (EngineException e) {
            return "";
        }
    }

    /**
     * Waits (up to 30 s) for dockerd to show the image: a load whose response ended early may still
     * be committing in dockerd. True when it appears.
     */
    private boolean awaitImage(String id) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        try {
            while (true) {
                if (engine.inspect(id).isPresent()) {
                    return true;
                }
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(500);
            }
        } catch (EngineException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private RestoreResult verifyLoaded(Group g, StoreImage img, Engine.LoadOutcome outcome) {
        String id = g.imageId().toString();
        try {
            Optional<Engine.EngineImage> got = engine.inspect(id);
            if (got.isEmpty() && awaitImage(id)) {
                got = engine.inspect(id);
            }
            if (got.isEmpty()) {
                return result(g, RestoreResult.Status.FAILED, "dockerd accepted the load (" + String.join("; ", outcome.messages())
                        + ") but has no image " + id);
            }
            List<String> want = img.diffIds().stream().map(Digest::toString).toList();
            if (!got.get().id().equals(id)) {
                return result(g, RestoreResult.Status.FAILED, "dockerd registered image " + got.get().id() + ", expected " + id);
            }
            if (!got.get().layers().equals(want)) {
                return result(g, RestoreResult.Status.FAILED, "dockerd's image " + id + " has layers " + got.get().layers()
                        + ", expected " + want);
            }
            List<String> missing = new ArrayList<>();
            for (String t : g.tags()) {
                Optional<Engine.EngineImage> byTag = engine.inspect(t);
                if (byTag.isEmpty() || !byTag.get().id().equals(id)) {
                    missing.add(t);
                }
            }
            if (!missing.isEmpty()) {
                return result(g, RestoreResult.Status.FAILED, "dockerd loaded image " + id + " but " + String.join(", ", missing)
                        + " does not name it");
            }
            return result(g, RestoreResult.Status.RESTORED, "loaded " + img.layers().size() + " layers, image " + id
                    + (g.tags().isEmpty() ? "" : " as " + String.join(", ", g.tags())));
        } catch (EngineException e) {
            engineLost |= e.unreachable();
            return result(g, RestoreResult.Status.FAILED, e.getMessage());
        }
    }

    /** Tags the present image with the names it lacks; returns the names added. */
    private List<String> ensureTags(Group g, Engine.EngineImage have) throws EngineException {
        Set<String> present = have.repoTags().stream().map(Reference::familiar).collect(Collectors.toSet());
        List<String> added = new ArrayList<>();
        for (String t : g.tags()) {
            if (present.contains(Reference.familiar(t))) {
                continue;
            }
            int colon = t.lastIndexOf(':');
            engine.tag(have.id(), t.substring(0, colon), t.substring(colon + 1));
            added.add(t);
        }
        return added;
    }

    /**
     * Restores the images listed in {@code pending-restore.json} and removes from it every entry
     * that is now in dockerd (restored or already present). Entries that failed stay listed.
     */
    public List<RestoreResult> restorePending(PendingRestore pending, RestoreOptions options) throws RestoreException {
        List<PendingRestore.Entry> entries;
        try {
            entries = pending.read();
        } catch (java.io.IOException e) {
            throw new RestoreException("cannot read " + pending.file() + ": " + e.getMessage(), e);
        }
        if (entries.isEmpty()) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (PendingRestore.Entry e : entries) {
            // the store name if it has one, else the image ID
            names.add(store.find(e.name()).isEmpty() ? e.imageId().toString() : e.name());
        }
        List<RestoreResult> results = new ArrayList<>(restoreImages(names.stream().distinct().toList(), options));
        // put back the other tags the image had before repair removed it (same image ID only)
        for (int i = 0; i < results.size(); i++) {
            RestoreResult r = results.get(i);
            if (!r.ok()) {
                continue;
            }
            List<String> retagged = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            for (PendingRestore.Entry e : entries) {
                if (!e.imageId().toString().equals(r.imageId())) {
                    continue;
                }
                for (String t : e.tags()) {
                    if (!ImageNames.isNameTag(t) || r.tags().contains(t)) {
                        continue;
                    }
                    try {
                        Optional<Engine.EngineImage> has = engine.inspect(t);
                        if (has.isPresent() && has.get().id().equals(r.imageId())) {
                            continue;
                        }
                        int colon = t.lastIndexOf(':');
                        engine.tag(r.imageId(), t.substring(0, colon), t.substring(colon + 1));
                        retagged.add(t);
                    } catch (EngineException ex) {
                        problems.add(ex.getMessage());
                    }
                }
            }
            if (!retagged.isEmpty() || !problems.isEmpty()) {
                String reason = r.reason() + (retagged.isEmpty() ? "" : "; tagged it " + String.join(", ", retagged))
                        + (problems.isEmpty() ? "" : "; " + String.join("; ", problems));
                List<String> tags = new ArrayList<>(r.tags());
                tags.addAll(retagged);
                results.set(i, new RestoreResult(r.image(), tags, r.apps(), r.imageId(), r.status(), reason));
            }
        }
        List<String> done = new ArrayList<>();
        for (PendingRestore.Entry e : entries) {
            boolean ok = results.stream().anyMatch(r -> r.ok()
                    && (r.imageId().equals(e.imageId().toString()) || r.tags().contains(e.name())));
            if (ok) {
                done.add(e.name());
            }
        }
        try {
            pending.remove(done);
        } catch (java.io.IOException e) {
            throw new RestoreException("restored, but cannot update " + pending.file() + ": " + e.getMessage(), e);
        }
        return results;
    }
}
