package dev.dockfsck.model.appstore;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.image.Reference;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * A restorable app store, read-only: the reset-apps layout, a plain OCI image layout or a
 * docker-archive tarball. Opening never throws on content: a missing or damaged store, a damaged
 * image, a symlinked blob or a digest that would lead outside the store is an
 * {@link AppStoreFinding}, and every other image stays usable.
 *
 * <p>Manifests and configs are verified by sha256 when the store is opened; layer blobs are
 * located and size-checked only, and verified by sha256 while they are streamed
 * ({@link #openBlob}) or by {@link #verifyLayers}.
 */
public final class AppStore implements Closeable {
    private final StoreForm form;
    private final Path root;
    private final BlobAccess blobs;
    private final boolean readable;
    private final List<StoreImage> images;
    private final List<UnresolvedImage> unresolved;
    private final List<String> apps;
    private final FindingSink sink;

    AppStore(StoreForm form, Path root, BlobAccess blobs, boolean readable, List<StoreImage> images,
             List<UnresolvedImage> unresolved, List<String> apps, FindingSink sink) {
        this.form = form;
        this.root = root;
        this.blobs = blobs;
        this.readable = readable;
        this.images = List.copyOf(images);
        this.unresolved = List.copyOf(unresolved);
        Set<String> a = new LinkedHashSet<>(apps);
        images.forEach(i -> {
            if (!i.app().isEmpty()) {
                a.add(i.app());
            }
        });
        this.apps = List.copyOf(a);
        this.sink = sink;
    }

    /** Opens a store, telling its form from what is there (a file: docker-archive; apps/: reset-apps; index.json: OCI). */
    public static AppStore open(Path path) {
        return AppStoreReader.open(path);
    }

    /** Opens a reset-apps store ({@code <root>/apps/...}, {@code <root>/blobs/sha256}). */
    public static AppStore openResetApps(Path root) {
        return AppStoreReader.openResetApps(root);
    }

    /**
     * Opens a plain OCI image layout. An image whose {@code org.opencontainers.image.ref.name} is a
     * bare tag is named {@code defaultRepo:tag}.
     */
    public static AppStore openOciLayout(Path root, String defaultRepo) {
        return AppStoreReader.openOciLayout(root, defaultRepo);
    }

    /** Opens a docker-archive ({@code docker save} output, plain or gzip). */
    public static AppStore openDockerArchive(Path file) {
        return AppStoreReader.openDockerArchive(file);
    }

    public StoreForm form() {
        return form;
    }

    public Path root() {
        return root;
    }

    /** False when the store itself is missing or unreadable (an APPSTORE_UNREADABLE finding says why). */
    public boolean readable() {
        return readable;
    }

    /** Every image resolved to manifest, config and layers (some may still be blocked by findings). */
    public List<StoreImage> images() {
        return images;
    }

    /** Images the store lists but that could not be resolved. */
    public List<UnresolvedImage> unresolved() {
        return unresolved;
    }

    /** App names, sorted as found. */
    public List<String> apps() {
        return apps;
    }

    public List<StoreImage> imagesOfApp(String app) {
        return images.stream().filter(i -> i.app().equals(app)).toList();
    }

    /** Images named {@code name} (as in {@link StoreImage#names()}, or its familiar form), or with this image ID. */
    public List<StoreImage> find(String nameOrId) {
        return images.stream().filter(i -> i.names().contains(nameOrId)
                || i.names().stream().map(Reference::familiar).anyMatch(nameOrId::equals)
                || i.imageId().toString().equals(nameOrId)
                || i.manifestDigest().map(d -> i.names().stream().anyMatch(
                        n -> (n.substring(0, n.lastIndexOf(':')) + "@" + d).equals(nameOrId))).orElse(false))
                .toList();
    }

    /** All findings so far (those of opening, of {@link #verifyLayers} and of failed streams). */
    public List<AppStoreFinding> findings() {
        return sink.findings();
    }

    /** The blocking findings that keep this image from being restored; empty when it is restorable. */
    public List<AppStoreFinding> blockers(StoreImage image) {
        return sink.findingsFor(image.key()).stream().filter(f -> f.code().blocking()).toList();
    }

    /** The blob's path relative to the store root (or entry name in an archive). */
    public String pathOf(BlobRef ref) {
        return blobs == null ? ref.location() : blobs.pathOf(ref);
    }

    /**
     * The layer blob whose uncompressed stream has this DiffID: the first one present and not
     * known to be bad; else any (so the caller can tell "known but damaged" from "not in the store").
     */
    public Optional<StoreLayer> layerForDiffId(Digest diffId) {
        Optional<StoreLayer> any = Optional.empty();
        List<AppStoreFinding> known = findings();
        for (StoreImage i : images) {
            Optional<StoreLayer> l = i.layerWithDiffId(diffId);
            if (l.isPresent()) {
                String label = l.get().blob().label();
                boolean bad = known.stream().anyMatch(f -> f.code().blocking() && f.blob().equals(label));
                if (!bad && blobs != null && blobs.check(l.get().blob()).isEmpty()) {
                    return l;
                }
                if (any.isEmpty()) {
                    any = l;
                }
            }
        }
        return any;
    }

    /**
     * The raw bytes of a blob, verified as they are read: the read that reaches EOF throws
     * {@link BlobVerificationException} on a sha256 or size mismatch (and records a finding).
     */
    public InputStream openBlob(BlobRef ref) throws IOException {
        if (blobs == null) {
            throw new IOException("the app store " + root + " is not readable");
        }
        InputStream raw = blobs.openRaw(ref);
        return new RecordingStream(new VerifyingInputStream(raw, pathOf(ref), ref.digest(), ref.size()), ref);
    }

    /**
     * The uncompressed tar of a layer (gzip decompressed), verified twice: the raw blob against
     * its digest, and the uncompressed stream against the DiffID, both at EOF.
     */
    public InputStream openUncompressedLayer(StoreLayer layer) throws IOException {
        InputStream raw = new BufferedInputStream(openBlob(layer.blob()), 65536);
        Compression c = Compression.sniff(raw);
        InputStream plain = switch (c) {
            case GZIP -> new GZIPInputStream(raw, 65536);
            case NONE -> raw;
            default -> {
                raw.close();
                throw new IOException("layer " + pathOf(layer.blob()) + " is " + c + "-compressed; not supported");
            }
        };
        return new RecordingStream(new VerifyingInputStream(plain, pathOf(layer.blob()) + " (uncompressed)",
                Optional.of(layer.diffId()), -1), layer.blob());
    }

    /**
     * Reads every distinct layer blob once and checks its sha256 and size; a bad blob becomes a
     * finding naming every image and app that uses it. Returns the new findings.
     *
     * @param progress called after each blob with (blobs done, blobs total); may be null
     */
    public List<AppStoreFinding> verifyLayers(java.util.function.BiConsumer<Integer, Integer> progress) {
        List<AppStoreFinding> before = findings();
        Map<String, BlobRef> distinct = new LinkedHashMap<>();
        for (StoreImage i : images) {
            if (!blockers(i).isEmpty()) {
                continue;
            }
            for (StoreLayer l : i.layers()) {
                distinct.putIfAbsent(l.blob().location(), l.blob());
            }
        }
        int done = 0;
        byte[] buf = new byte[1 << 16];
        for (BlobRef ref : distinct.values()) {
            try (InputStream in = openBlob(ref)) {
                while (in.read(buf) >= 0) {
                    // hashing happens in the stream
                }
            } catch (IOException e) {
                // recorded by the stream or below
                if (!(e instanceof BlobVerificationException) && !(e instanceof BlobAccess.BlobProblemException)) {
                    recordBlobFailure(ref, AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT,
                            "blob " + pathOf(ref) + " cannot be read: " + e.getMessage());
                }
            }
            done++;
            if (progress != null) {
                progress.accept(done, distinct.size());
            }
        }
        List<AppStoreFinding> after = new ArrayList<>(findings());
        after.removeAll(before);
        return after;
    }

    /**
     * Records that a blob failed (e.g. while a restore streamed it): a finding naming every image
     * and app that uses it, which from now on blocks them.
     */
    public void recordBlobFailure(BlobRef ref, AppStoreFinding.Code code, String message) {
        for (StoreImage i : images) {
            boolean uses = i.config().location().equals(ref.location())
                    || i.layers().stream().anyMatch(l -> l.blob().location().equals(ref.location()));
            if (uses) {
                sink.add(code, pathOf(ref), ref.label(), message, i.key(), i.label(), i.app());
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (blobs != null) {
            blobs.close();
        }
    }

    /** Turns a verification failure of a stream into a finding before passing it on. */
    private final class RecordingStream extends java.io.FilterInputStream {
        private final BlobRef ref;

        RecordingStream(InputStream in, BlobRef ref) {
            super(in);
            this.ref = ref;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (BlobVerificationException e) {
                recordBlobFailure(ref, AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT, "blob failed verification: " + e.getMessage());
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (BlobVerificationException e) {
                recordBlobFailure(ref, AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT, "blob failed verification: " + e.getMessage());
                throw e;
            }
        }
    }
}
