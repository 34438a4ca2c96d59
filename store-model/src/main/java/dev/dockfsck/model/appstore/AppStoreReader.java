package dev.dockfsck.model.appstore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dockfsck.model.Defect;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.Parsed;
import dev.dockfsck.model.Texts;
import dev.dockfsck.model.fs.DirEntry;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.fs.StoreFiles;
import dev.dockfsck.model.image.ImageConfig;
import dev.dockfsck.model.image.ImageDbReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the three store forms into an {@link AppStore}. Never throws on content; never leaves the store. */
final class AppStoreReader {
    static final long MAX_MANIFEST = 4L * 1024 * 1024;
    static final long MAX_CONFIG = 16L * 1024 * 1024;
    private static final int MAX_DEPTH = 16;
    private static final Pattern APP_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern HEX_NAMED = Pattern.compile("(?:blobs/sha256/)?([0-9a-f]{64})(?:\\.json|\\.tar|\\.tar\\.gz|/layer\\.tar)?");

    /** A refusal to use one image, turned into a finding by the caller. */
    static final class Refused extends Exception {
        final AppStoreFinding.Code code;
        final String path;
        final String blob;

        Refused(AppStoreFinding.Code code, String path, String blob, String message) {
            super(message, null, false, false);
            this.code = code;
            this.path = path;
            this.blob = blob == null ? "" : blob;
        }
    }

    private record ManifestInfo(BlobRef manifest, BlobRef config, List<BlobRef> layers) {
    }

    private final FindingSink sink = new FindingSink();
    private final List<StoreImage> images = new ArrayList<>();
    private final List<UnresolvedImage> unresolved = new ArrayList<>();
    private final List<String> apps = new ArrayList<>();

    private AppStoreReader() {
    }

    // ------------------------------------------------------------------ entry points

    static AppStore open(Path path) {
        FileKind k = StoreFiles.kindOf(path);
        if (k == FileKind.SYMLINK) {
            // the root is named by the operator: follow it once, then never again below it
            try {
                path = path.toRealPath();
                k = StoreFiles.kindOf(path);
            } catch (IOException e) {
                return unreadable(StoreForm.RESET_APPS, path, "the app store " + path + " is a dangling symbolic link");
            }
        }
        if (k == FileKind.MISSING) {
            return unreadable(StoreForm.RESET_APPS, path, "there is no app store at " + path);
        }
        if (k == FileKind.REGULAR) {
            return openDockerArchive(path);
        }
        if (k != FileKind.DIRECTORY) {
            return unreadable(StoreForm.RESET_APPS, path, path + " is neither a directory nor an archive file");
        }
        FileKind apps = StoreFiles.kindOf(path.resolve("apps"));
        if (apps != FileKind.MISSING) {
            return openResetApps(path);
        }
        if (StoreFiles.kindOf(path.resolve("index.json")) != FileKind.MISSING
                || StoreFiles.kindOf(path.resolve("oci-layout")) != FileKind.MISSING) {
            // an OCI layout, or one whose index.json was lost (skopeo writes oci-layout first, index.json last)
            return openOciLayout(path, ImageNames.repoFromDirName(String.valueOf(path.getFileName())));
        }
        Parsed<List<DirEntry>> listing = StoreFiles.list(path);
        if (listing.failure().isPresent()) {
            return unreadable(StoreForm.RESET_APPS, path, "the app store " + path + " cannot be read: "
                    + listing.failure().get().describe());
        }
        return unreadable(StoreForm.RESET_APPS, path, path + " is not an app store: it has neither apps/ nor index.json");
    }

    private static AppStore unreadable(StoreForm form, Path path, String message) {
        AppStoreReader r = new AppStoreReader();
        r.sink.add(AppStoreFinding.Code.APPSTORE_UNREADABLE, "", "", message, null, null, null);
        return r.build(form, path, null, false);
    }

    private AppStore build(StoreForm form, Path root, BlobAccess blobs, boolean readable) {
        return new AppStore(form, root, blobs, readable, images, unresolved, apps, sink);
    }

    // ------------------------------------------------------------------ reset-apps

    static AppStore openResetApps(Path root) {
        AppStoreReader r = new AppStoreReader();
        Parsed<List<DirEntry>> appDirs = StoreFiles.list(root.resolve("apps"));
        if (appDirs instanceof Parsed.Bad<List<DirEntry>> bad) {
            AppStoreFinding.Code code = bad.defect().kind() == Defect.Kind.SYMLINK
                    ? AppStoreFinding.Code.APPSTORE_REFUSED_PATH : AppStoreFinding.Code.APPSTORE_UNREADABLE;
            r.sink.add(code, "apps", "", "apps/ of the app store " + root + " cannot be used: " + bad.defect().describe(),
                    null, null, null);
            return r.build(StoreForm.RESET_APPS, root, null, false);
        }
        DirBlobs blobs = new DirBlobs(root, "");
        for (DirEntry app : appDirs.optional().orElseThrow()) {
            String rel = "apps/" + app.name();
            if (app.kind() == FileKind.SYMLINK) {
                r.sink.add(AppStoreFinding.Code.APPSTORE_REFUSED_PATH, rel, "", rel + " is a symbolic link, not followed",
                        null, null, null);
                continue;
            }
            if (app.kind() != FileKind.DIRECTORY) {
                continue;
            }
            if (!APP_NAME.matcher(app.name()).matches()) {
                r.sink.add(AppStoreFinding.Code.APPSTORE_REFUSED_PATH, rel, "", "app directory name " + Texts.quote(app.name())
                        + " is not a valid app name", null, null, null);
                continue;
            }
            r.apps.add(app.name());
            r.readApp(blobs, app);
        }
        return r.build(StoreForm.RESET_APPS, root, blobs, true);
    }

    private void readApp(DirBlobs blobs, DirEntry app) {
        String rel = "apps/" + app.name();
        Parsed<List<DirEntry>> versions = StoreFiles.list(app.path());
        if (versions instanceof Parsed.Bad<List<DirEntry>> bad) {
            sink.add(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, rel, "", rel + " cannot be read: " + bad.defect().describe(),
                    null, null, app.name());
            return;
        }
        for (DirEntry v : versions.optional().orElseThrow()) {
            String vrel = rel + "/" + v.name();
            if (v.kind() == FileKind.SYMLINK) {
                sink.add(AppStoreFinding.Code.APPSTORE_REFUSED_PATH, vrel, "", vrel + " is a symbolic link, not followed",
                        null, null, app.name());
                continue;
            }
            if (v.kind() != FileKind.DIRECTORY) {
                continue;
            }
            checkAppManifest(v, vrel, app.name());
            Path imagesDir = v.path().resolve("images");
            if (StoreFiles.kindOf(imagesDir) != FileKind.MISSING) {
                walkImages(blobs, imagesDir, vrel + "/images", new ArrayList<>(), app.name(), v.name());
            }
            checkCompose(v, vrel, app.name());
        }
    }

    /**
     * Every image the app version's docker-compose.yml pins must have its directory: one a cut fetch
     * never wrote is an image that cannot be restored (the OTA agent fetches the compose file before
     * the images). Without a compose file nothing is expected; one that cannot be read is reported.
     */
    private void checkCompose(DirEntry version, String vrel, String app) {
        Path file = version.path().resolve("docker-compose.yml");
        if (StoreFiles.kindOf(file) == FileKind.MISSING) {
            return;
        }
        String frel = vrel + "/docker-compose.yml";
        Parsed<byte[]> bytes = StoreFiles.readBytes(file, MAX_MANIFEST);
        List<ComposeFile.ImageRef> refs;
        try {
            if (bytes instanceof Parsed.Bad<byte[]> bad) {
                if (bad.defect().kind() == Defect.Kind.SYMLINK) {
                    sink.add(AppStoreFinding.Code.APPSTORE_REFUSED_PATH, frel, "", "compose file " + frel + " is "
                            + bad.defect().describe() + ", not followed", null, null, app);
                    return;
                }
                throw new ComposeFile.Invalid("is " + bad.defect().describe());
            }
            refs = ComposeFile.images(bytes.optional().orElseThrow());
        } catch (ComposeFile.Invalid e) {
            sink.add(AppStoreFinding.Code.APPSTORE_APP_MANIFEST_INVALID, frel, "", "compose file " + frel + " "
                    + e.getMessage() + ": the images the app needs cannot be listed", null, null, app);
            return;
        }
        for (ComposeFile.ImageRef ref : refs) {
            String key = vrel + "/images/" + ref.dir();
            boolean held = images.stream().anyMatch(i -> i.key().equals(key)) || unresolved.stream().anyMatch(u -> u.key().equals(key));
            if (!held) {
                String message = "app " + app + " (service " + Texts.quote(ref.service()) + ") needs image " + ref.reference()
                        + ", which the store does not hold: no " + key;
                sink.add(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, frel, "", message, key, ref.name(), app);
                unresolved.add(new UnresolvedImage(key, app, version.name(), List.of(ref.name()), message));
            }
        }
    }

    private void checkAppManifest(DirEntry version, String vrel, String app) {
        Path mf = version.path().resolve("manifest.json");
        Parsed<byte[]> bytes = StoreFiles.readBytes(mf, MAX_MANIFEST);
        if (bytes instanceof Parsed.Bad<byte[]> bad) {
            sink.add(bad.defect().kind() == Defect.Kind.SYMLINK ? AppStoreFinding.Code.APPSTORE_REFUSED_PATH
                            : AppStoreFinding.Code.APPSTORE_APP_MANIFEST_INVALID, vrel + "/manifest.json", "",
                    "app manifest " + vrel + "/manifest.json is " + bad.defect().describe(), null, null, app);
            return;
        }
        if (Digest.isHex64(version.name())) {
            Digest actual = Digest.sha256Of(bytes.optional().orElseThrow());
            if (!actual.hex().equals(version.name())) {
                sink.add(AppStoreFinding.Code.APPSTORE_APP_MANIFEST_INVALID, vrel + "/manifest.json", "",
                        "app manifest " + vrel + "/manifest.json hashes to " + actual + ", not to its directory name", null,
                        null, app);
            }
        }
    }

    private void walkImages(DirBlobs blobs, Path dir, String rel, List<String> comps, String app, String appHash) {
        if (comps.size() > MAX_DEPTH) {
            sink.add(AppStoreFinding.Code.APPSTORE_REFUSED_PATH, rel, "", rel + " is nested too deep", null, null, app);
            return;
        }
        Parsed<List<DirEntry>> listing = StoreFiles.list(dir);
        if (listing instanceof Parsed.Bad<List<DirEntry>> bad) {
            sink.add(bad.defect().kind() == Defect.Kind.SYMLINK ? AppStoreFinding.Code.APPSTORE_REFUSED_PATH
                    : AppStoreFinding.Code.APPSTORE_INDEX_INVALID, rel, "", rel + " cannot be used: " + bad.defect().describe(),
                    null, null, app);
            return;
        }
        List<DirEntry> entries = listing.optional().orElseThrow();
        if (isImageDir(entries, comps)) {
            readResetAppsImage(blobs, dir, rel, comps, app, appHash);
            return;
        }
        for (DirEntry e : entries) {
            String erel = rel + "/" + e.name();
            if (e.kind() == FileKind.SYMLINK) {
                sink.add(AppStoreFinding.Code.APPSTORE_REFUSED_PATH, erel, "", erel + " is a symbolic link (-> "
                        + StoreFiles.readLink(e.path()).orElse("?") + "), not followed", null, null, app);
            } else if (e.kind() == FileKind.DIRECTORY) {
                List<String> next = new ArrayList<>(comps);
                next.add(e.name());
                walkImages(blobs, e.path(), erel, next, app, appHash);
            }
        }
    }

    /**
     * Whether a directory below images/ is an image's OCI layout: it has an index.json, or the
     * oci-layout skopeo writes before it (a cut copy), or it is a leaf named by a manifest digest at
     * images/host/repo/hex (a copy cut before anything was written). Such a directory without its
     * index.json is an image that cannot be restored, never one that is not there.
     */
    private static boolean isImageDir(List<DirEntry> entries, List<String> comps) {
        if (entries.stream().anyMatch(e -> e.name().equals("index.json") || e.name().equals("oci-layout"))) {
            return true;
        }
        return comps.size() >= 3 && Digest.isHex64(comps.get(comps.size() - 1))
                && entries.stream().noneMatch(e -> e.kind() == FileKind.DIRECTORY);
    }

    private void readResetAppsImage(DirBlobs blobs, Path dir, String rel, List<String> comps, String app, String appHash) {
        List<String> names = new ArrayList<>();
        try {
            if (comps.size() < 3) {
                throw new Refused(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, rel, "",
                        rel + " is not images/<host>/<repo>/<manifest hex>");
            }
            String host = comps.get(0);
            List<String> repoParts = comps.subList(1, comps.size() - 1);
            String hex = comps.get(comps.size() - 1);
            if (!ImageNames.isHost(host) || !repoParts.stream().allMatch(ImageNames::isRepoComponent)) {
                throw new Refused(AppStoreFinding.Code.APPSTORE_REFUSED_PATH, rel, "",
                        "image directory " + Texts.quote(rel) + " does not name a valid host/repository");
            }
            Optional<Digest> dirDigest = Digest.tryOfHex(hex);
            if (dirDigest.isEmpty()) {
                throw new Refused(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, rel, "",
                        "image directory " + Texts.quote(rel) + " does not end in a manifest digest (64 hex)");
            }
            String name = ImageNames.shortTag(host + "/" + String.join("/", repoParts), hex);
            names.add(name);
            JsonNode index = readIndexJson(dir.resolve("index.json"), rel + "/index.json");
            JsonNode manifests = index.get("manifests");
            if (manifests == null || !manifests.isArray() || manifests.isEmpty()) {
                throw new Refused(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, rel + "/index.json", "",
                        rel + "/index.json lists no manifest");
            }
            JsonNode chosen = null;
            for (JsonNode m : manifests) {
                BlobRef ref = descriptor(m, rel + "/index.json", "manifest");
                if (ref.digest().orElseThrow().equals(dirDigest.get())) {
                    chosen = m;
                }
            }
            if (chosen == null) {
                chosen = platformCopy(blobs, manifests, dirDigest.get(), rel + "/index.json");
            }
            BlobRef mref = descriptor(chosen, rel + "/index.json", "manifest");
            ManifestInfo info = resolveManifest(blobs, mref, 0);
            addImage(blobs, rel, app, appHash, names, dirDigest, info);
        } catch (Refused r) {
            refuse(r, rel, app, appHash, names);
        }
    }

    /**
     * The manifest an image directory holds when its index.json does not list the digest the
     * directory is named by. That is how skopeo copies one platform of a multi-arch image (no
     * {@code --all}): the directory is named by the image index the app's compose file references,
     * index.json lists only this platform's manifest, and the index itself is not kept (the OTA agent
     * takes {@code manifests[0]} for the same reason). It is inconsistent, not a platform copy, when
     * index.json lists several manifests, or when the store does hold the named blob and it is not an
     * index listing the manifest.
     */
    private static JsonNode platformCopy(BlobAccess blobs, JsonNode manifests, Digest named, String where) throws Refused {
        JsonNode only = manifests.get(0);
        Digest listed = descriptor(only, where, "manifest").digest().orElseThrow();
        Refused inconsistent = new Refused(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, where, "",
                where + " points at " + listed + ", not at the manifest its directory names (" + named + ")");
        if (manifests.size() != 1) {
            throw inconsistent;
        }
        BlobRef namedRef = BlobRef.inBlobDir(named, -1, "");
        byte[] bytes;
        try {
            bytes = readVerified(blobs, namedRef, MAX_MANIFEST, "image index");
        } catch (Refused r) {
            // the index was not kept (a platform copy), or its copy is unusable and proves nothing
            // either way: restore needs only the manifest
            return only;
        }
        JsonNode index = parseBlobJson(blobs, namedRef, bytes, "image index");
        JsonNode list = index.get("manifests");
        if (list != null && list.isArray()) {
            for (JsonNode m : list) {
                JsonNode d = m.get("digest");
                if (d != null && d.isTextual() && d.asText().equals(listed.toString())) {
                    return only;
                }
            }
        }
        throw inconsistent;
    }

    private void refuse(Refused r, String key, String app, String appHash, List<String> names) {
        String label = names.isEmpty() ? key : names.get(0);
        sink.add(r.code, r.path, r.blob, r.getMessage(), key, label, app);
        unresolved.add(new UnresolvedImage(key, app, appHash, names, r.getMessage()));
    }

    private static JsonNode readIndexJson(Path p, String rel) throws Refused {
        Parsed<JsonNode> json = StoreFiles.readJson(p);
        if (json instanceof Parsed.Bad<JsonNode> bad) {
            throw new Refused(bad.defect().kind() == Defect.Kind.SYMLINK ? AppStoreFinding.Code.APPSTORE_REFUSED_PATH
                    : AppStoreFinding.Code.APPSTORE_INDEX_INVALID, rel, "", rel + " is " + bad.defect().describe());
        }
        JsonNode n = json.optional().orElseThrow();
        if (!n.isObject()) {
            throw new Refused(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, rel, "", rel + " is not a JSON object");
        }
        return n;
    }

    /** A descriptor's digest, size and media type; a digest that is not {@code sha256:<64 hex>} is refused. */
    private static BlobRef descriptor(JsonNode d, String where, String what) throws Refused {
        if (d == null || !d.isObject()) {
            throw new Refused(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, where, "", where + ": the " + what
                    + " descriptor is missing or not an object");
        }
        JsonNode dg = d.get("digest");
        String text = dg != null && dg.isTextual() ? dg.asText() : String.valueOf(dg);
        Optional<Digest> digest = dg != null && dg.isTextual() ? Digest.tryParse(text) : Optional.empty();
        if (digest.isEmpty()) {
            boolean hostile = text.contains("/") || text.contains("..") || text.contains("\\") || text.contains("\0");
            throw new Refused(hostile ? AppStoreFinding.Code.APPSTORE_REFUSED_PATH : AppStoreFinding.Code.APPSTORE_INDEX_INVALID,
                    where, "", where + ": the " + what + " digest " + Texts.quote(text) + " is not sha256:<64 hex>"
                    + (hostile ? "; it would lead outside the blob store: refused" : ""));
        }
        JsonNode sz = d.get("size");
        long size = sz != null && sz.canConvertToLong() && sz.asLong() >= 0 ? sz.asLong() : -1;
        if (size < 0) {
            throw new Refused(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, where, digest.get().toString(), where + ": the "
                    + what + " descriptor of " + digest.get() + " has no valid size");
        }
        JsonNode mt = d.get("mediaType");
        return BlobRef.inBlobDir(digest.get(), size, mt != null && mt.isTextual() ? mt.asText() : "");
    }

    private static Refused blobProblem(BlobAccess.Problem p, BlobRef ref) {
        return new Refused(p.code(), p.path(), ref.label(), p.detail());
    }

    /** Reads a small blob and checks it against its digest (always). */
    private static byte[] readVerified(BlobAccess blobs, BlobRef ref, long max, String what) throws Refused {
        Optional<BlobAccess.Problem> p = blobs.check(ref);
        if (p.isPresent()) {
            BlobAccess.Problem pr = p.get();
            throw new Refused(pr.code(), pr.path(), ref.label(), what + " " + pr.detail());
        }
        Parsed<byte[]> bytes = blobs.readAll(ref, max);
        if (bytes instanceof Parsed.Bad<byte[]> bad) {
            throw new Refused(bad.defect().kind() == Defect.Kind.MISSING ? AppStoreFinding.Code.APPSTORE_BLOB_MISSING
                    : AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT, blobs.pathOf(ref), ref.label(),
                    what + " blob " + blobs.pathOf(ref) + " is " + bad.defect().describe());
        }
        byte[] b = bytes.optional().orElseThrow();
        if (ref.digest().isPresent()) {
            Digest actual = Digest.sha256Of(b);
            if (!actual.equals(ref.digest().get())) {
                throw new Refused(AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT, blobs.pathOf(ref), ref.label(),
                        what + " blob " + blobs.pathOf(ref) + " does not match its digest: sha256 of its " + b.length
                                + " bytes is " + actual);
            }
        }
        return b;
    }

    private static JsonNode parseBlobJson(BlobAccess blobs, BlobRef ref, byte[] b, String what) throws Refused {
        Parsed<JsonNode> json = StoreFiles.parseJson(Path.of(blobs.pathOf(ref)), b);
        if (json instanceof Parsed.Bad<JsonNode> bad || !json.optional().orElseThrow().isObject()) {
            throw new Refused(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, blobs.pathOf(ref), ref.label(),
                    what + " blob " + blobs.pathOf(ref) + " is not a JSON object");
        }
        return json.optional().orElseThrow();
    }

    private ManifestInfo resolveManifest(BlobAccess blobs, BlobRef mref, int depth) throws Refused {
        byte[] bytes = readVerified(blobs, mref, MAX_MANIFEST, "manifest");
        JsonNode m = parseBlobJson(blobs, mref, bytes, "manifest");
        String where = blobs.pathOf(mref);
        JsonNode list = m.get("manifests");
        if (list != null && list.isArray()) {
            if (depth > 0) {
                throw new Refused(AppStoreFinding.Code.APPSTORE_UNSUPPORTED, where, mref.label(),
                        "manifest " + mref.label() + " is an index inside an index");
            }
            return resolveManifest(blobs, choosePlatform(blobs, list, where), depth + 1);
        }
        JsonNode mt = m.get("mediaType");
        String mediaType = mt != null && mt.isTextual() ? mt.asText() : mref.mediaType();
        JsonNode sv = m.get("schemaVersion");
        if (sv == null || sv.asInt() != 2) {
            throw new Refused(AppStoreFinding.Code.APPSTORE_UNSUPPORTED, where, mref.label(),
                    "manifest " + mref.label() + " is not a schema 2 image manifest (" + Texts.quote(mediaType) + ")");
        }
        BlobRef config = descriptor(m.get("config"), where, "config");
        JsonNode layers = m.get("layers");
        if (layers == null || !layers.isArray()) {
            throw new Refused(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, where, mref.label(),
                    "manifest " + mref.label() + " has no layer list");
        }
        List<BlobRef> refs = new ArrayList<>();
        for (JsonNode l : layers) {
            refs.add(descriptor(l, where, "layer"));
        }
        return new ManifestInfo(mref, config, refs);
    }

    private static BlobRef choosePlatform(BlobAccess blobs, JsonNode list, String where) throws Refused {
        String arch = switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "arm" -> "arm";
            default -> System.getProperty("os.arch", "");
        };
        BlobRef first = null;
        for (JsonNode d : list) {
            BlobRef ref = descriptor(d, where, "manifest");
            JsonNode pf = d.get("platform");
            boolean present = blobs.check(ref).isEmpty();
            if (pf != null && "linux".equals(pf.path("os").asText()) && arch.equals(pf.path("architecture").asText()) && present) {
                return ref;
            }
            if (first == null && present && pf == null) {
                first = ref;
            }
        }
        if (first != null) {
            return first;
        }
        throw new Refused(AppStoreFinding.Code.APPSTORE_BLOB_MISSING, where, "",
                "the image index " + where + " has no manifest for linux/" + arch + " in the store");
    }

    private void addImage(BlobAccess blobs, String key, String app, String appHash, List<String> names,
                          Optional<Digest> manifestDigest, ManifestInfo info) throws Refused {
        byte[] configBytes = readVerified(blobs, info.config(), MAX_CONFIG, "config");
        JsonNode cj = parseBlobJson(blobs, info.config(), configBytes, "config");
        Parsed<ImageConfig> config = ImageDbReader.parseConfig(Path.of(blobs.pathOf(info.config())), cj);
        if (config instanceof Parsed.Bad<ImageConfig> bad) {
            throw new Refused(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, blobs.pathOf(info.config()), info.config().label(),
                    "config blob " + blobs.pathOf(info.config()) + " is " + bad.defect().describe());
        }
        List<Digest> diffIds = config.optional().orElseThrow().diffIds();
        if (diffIds.size() != info.layers().size()) {
            throw new Refused(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, info.manifest() == null ? key : blobs.pathOf(info.manifest()),
                    "", "image " + (names.isEmpty() ? key : names.get(0)) + " has " + info.layers().size()
                    + " layers but its config lists " + diffIds.size() + " diff_ids");
        }
        List<StoreLayer> layers = new ArrayList<>();
        for (int i = 0; i < diffIds.size(); i++) {
            layers.add(new StoreLayer(i, diffIds.get(i), info.layers().get(i)));
        }
        StoreImage img = new StoreImage(key, app, appHash, names, manifestDigest, info.manifest(), info.config(),
                configBytes, layers);
        images.add(img);
        for (StoreLayer l : layers) {
            Optional<BlobAccess.Problem> p = blobs.check(l.blob());
            p.ifPresent(pr -> sink.add(pr.code(), pr.path(), l.blob().label(), "layer " + pr.detail(), key, img.label(), app));
        }
    }

    // ------------------------------------------------------------------ plain OCI layout

    static AppStore openOciLayout(Path root, String defaultRepo) {
        AppStoreReader r = new AppStoreReader();
        DirBlobs blobs = new DirBlobs(root, "");
        JsonNode index;
        try {
            index = readIndexJson(root.resolve("index.json"), "index.json");
        } catch (Refused e) {
            r.sink.add(e.code == AppStoreFinding.Code.APPSTORE_REFUSED_PATH ? e.code : AppStoreFinding.Code.APPSTORE_UNREADABLE,
                    e.path, "", e.getMessage(), null, null, null);
            return r.build(StoreForm.OCI_LAYOUT, root, blobs, false);
        }
        JsonNode manifests = index.get("manifests");
        if (manifests == null || !manifests.isArray()) {
            r.sink.add(AppStoreFinding.Code.APPSTORE_UNREADABLE, "index.json", "", "index.json lists no manifests", null, null, null);
            return r.build(StoreForm.OCI_LAYOUT, root, blobs, false);
        }
        // group descriptors by manifest digest: one image, several tags
        Map<String, List<String>> namesByDigest = new LinkedHashMap<>();
        Map<String, JsonNode> descByDigest = new LinkedHashMap<>();
        Map<String, String> keyByDigest = new LinkedHashMap<>();
        int i = 0;
        for (JsonNode m : manifests) {
            String key = "index.json#" + i++;
            List<String> names = new ArrayList<>();
            String refName = m.path("annotations").path("io.containerd.image.name").asText("");
            String tag = m.path("annotations").path("org.opencontainers.image.ref.name").asText("");
            if (ImageNames.isNameTag(refName)) {
                names.add(refName);
            } else if (ImageNames.isNameTag(tag)) {
                names.add(tag);
            } else if (ImageNames.isTag(tag)) {
                names.add(defaultRepo + ":" + tag);
            } else if (!tag.isEmpty() || !refName.isEmpty()) {
                r.sink.add(AppStoreFinding.Code.APPSTORE_REFUSED_PATH, "index.json", "", "index.json: image name "
                        + Texts.quote(tag.isEmpty() ? refName : tag) + " is not a valid name:tag; loaded without it", key, key, null);
            }
            try {
                BlobRef ref = descriptor(m, "index.json", "manifest");
                String d = ref.digest().orElseThrow().toString();
                descByDigest.putIfAbsent(d, m);
                keyByDigest.putIfAbsent(d, key);
                namesByDigest.computeIfAbsent(d, x -> new ArrayList<>()).addAll(names);
            } catch (Refused e) {
                r.refuse(e, key, "", "", names);
            }
        }
        for (Map.Entry<String, JsonNode> e : descByDigest.entrySet()) {
            String key = keyByDigest.get(e.getKey());
            List<String> names = namesByDigest.get(e.getKey()).stream().distinct().toList();
            try {
                BlobRef mref = descriptor(e.getValue(), "index.json", "manifest");
                ManifestInfo info = r.resolveManifest(blobs, mref, 0);
                r.addImage(blobs, key, "", "", names, mref.digest(), info);
            } catch (Refused ex) {
                r.refuse(ex, key, "", "", names);
            }
        }
        return r.build(StoreForm.OCI_LAYOUT, root, blobs, true);
    }

    // ------------------------------------------------------------------ docker-archive

    static AppStore openDockerArchive(Path file) {
        AppStoreReader r = new AppStoreReader();
        TarBlobs tar;
        try {
            tar = TarBlobs.open(file);
        } catch (IOException | RuntimeException e) {
            return unreadable(StoreForm.DOCKER_ARCHIVE, file, file + " is not a readable tar archive: " + e.getMessage());
        }
        BlobRef mfRef = new BlobRef("manifest.json", Optional.empty(), -1, "", Compression.UNKNOWN);
        Parsed<byte[]> mf = tar.readAll(mfRef, MAX_MANIFEST);
        Parsed<JsonNode> json = mf.map(b -> StoreFiles.parseJson(Path.of("manifest.json"), b));
        if (json instanceof Parsed.Bad<JsonNode> bad || !json.optional().orElseThrow().isArray()) {
            r.sink.add(AppStoreFinding.Code.APPSTORE_UNREADABLE, "manifest.json", "", file + " is not a docker-archive: manifest.json is "
                    + json.failure().map(Defect::describe).orElse("not a JSON list"), null, null, null);
            return r.build(StoreForm.DOCKER_ARCHIVE, file, tar, false);
        }
        int i = 0;
        for (JsonNode entry : json.optional().orElseThrow()) {
            String key = "manifest.json#" + i++;
            List<String> names = new ArrayList<>();
            try {
                JsonNode tags = entry.get("RepoTags");
                if (tags != null && tags.isArray()) {
                    for (JsonNode t : tags) {
                        if (t.isTextual() && ImageNames.isNameTag(t.asText())) {
                            names.add(t.asText());
                        } else {
                            throw new Refused(AppStoreFinding.Code.APPSTORE_REFUSED_PATH, "manifest.json", "",
                                    "manifest.json: RepoTag " + Texts.quote(t.asText()) + " is not a valid name:tag");
                        }
                    }
                }
                JsonNode cfg = entry.get("Config");
                if (cfg == null || !cfg.isTextual()) {
                    throw new Refused(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, "manifest.json", "", "manifest.json: entry "
                            + (i - 1) + " has no Config");
                }
                BlobRef config = archiveBlob(tar, cfg.asText(), Optional.empty(), "");
                JsonNode layers = entry.get("Layers");
                if (layers == null || !layers.isArray()) {
                    throw new Refused(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, "manifest.json", "", "manifest.json: entry "
                            + (i - 1) + " has no Layers");
                }
                // the layer digests: from the entry name where it carries one, else the DiffID (docker save
                // writes layers uncompressed); known only after the config is read, so resolve in two steps
                byte[] configBytes = readVerified(tar, config, MAX_CONFIG, "config");
                JsonNode cj = parseBlobJson(tar, config, configBytes, "config");
                Parsed<ImageConfig> pc = ImageDbReader.parseConfig(Path.of(config.location()), cj);
                List<Digest> diffIds = pc.optional().map(ImageConfig::diffIds).orElse(List.of());
                List<BlobRef> refs = new ArrayList<>();
                int li = 0;
                for (JsonNode l : layers) {
                    if (!l.isTextual()) {
                        throw new Refused(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, "manifest.json", "", "manifest.json: layer "
                                + li + " of entry " + (i - 1) + " is not a file name");
                    }
                    Optional<Digest> fallback = li < diffIds.size() ? Optional.of(diffIds.get(li)) : Optional.empty();
                    refs.add(archiveBlob(tar, l.asText(), fallback, "application/vnd.docker.image.rootfs.diff.tar"));
                    li++;
                }
                r.addImage(tar, key, "", "", names, Optional.empty(), new ManifestInfo(null, config, refs));
            } catch (Refused e) {
                r.refuse(e, key, "", "", names);
            }
        }
        return r.build(StoreForm.DOCKER_ARCHIVE, file, tar, true);
    }

    private static BlobRef archiveBlob(TarBlobs tar, String name, Optional<Digest> fallback, String mediaType) throws Refused {
        Optional<String> norm = TarBlobs.normalize(name);
        if (norm.isEmpty()) {
            throw new Refused(AppStoreFinding.Code.APPSTORE_REFUSED_PATH, "manifest.json", "", "manifest.json names "
                    + Texts.quote(name) + ", which is absolute or contains '..': refused");
        }
        Matcher m = HEX_NAMED.matcher(norm.get());
        Optional<Digest> digest = m.matches() && !norm.get().endsWith("/layer.tar") ? Digest.tryOfHex(m.group(1)) : Optional.empty();
        long size = tar.sizeOf(norm.get());
        Compression c = Compression.ofMediaType(mediaType);
        if (digest.isEmpty() && fallback.isPresent()) {
            // no digest in the name: an uncompressed layer (what docker save writes) hashes to its
            // DiffID; a compressed one can only be checked by dockerd (DiffID of the stream)
            c = tar.sniff(norm.get());
            digest = c == Compression.NONE ? fallback : Optional.empty();
        }
        return new BlobRef(norm.get(), digest, size, mediaType, c);
    }
}
