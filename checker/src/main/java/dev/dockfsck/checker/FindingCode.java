package dev.dockfsck.checker;

import dev.dockfsck.model.appstore.AppStoreFinding;

/**
 * Every finding code dockfsck reports. Codes are stable: tools and people match on them.
 * Each has one default severity, one documented consequence (what the user sees), and whether it
 * makes its subject unusable ("damaged"), which is what {@code affects} propagates.
 * docs/findings.md documents each one; a test keeps the two in step.
 */
public enum FindingCode {
    // ---- layers (layerdb/sha256/<chainID>) ----
    LAYER_FILE_MISSING(Severity.ERROR, true,
            "dockerd skips the layer at start (debug log only); every image on it: \"layer does not exist, not restoring image\"; "
                    + "a later docker load/pull of such an image fails with \"failed to register layer: rename .../layerdb/tmp/write-set-N "
                    + ".../layerdb/sha256/<chainID>: file exists\""),
    LAYER_FILE_INVALID(Severity.ERROR, true,
            "dockerd skips the layer at start; its images vanish and re-loading them fails with \"rename ... file exists\""),
    LAYER_PARENT_MISSING(Severity.ERROR, true,
            "dangling layer: dockerd cannot load it (\"layer does not exist\"); its images vanish"),
    LAYER_PARENT_DAMAGED(Severity.ERROR, true,
            "dockerd cannot load a layer whose parent failed to load; its images vanish and re-loading them fails with "
                    + "\"rename ... file exists\""),
    LAYER_CHAINID_MISMATCH(Severity.ERROR, true,
            "the layer is stored under the wrong chainID: images that need the real chainID do not find it, and a re-load "
                    + "registers a second copy"),
    LAYER_CACHE_DIR_MISSING(Severity.ERROR, true,
            "\"stat /var/lib/docker/overlay2/<id>: no such file or directory\" when a container on it runs; docker save fails"),
    LAYER_TAR_SPLIT_MISSING(Severity.WARNING, false,
            "the layer's content can no longer be proven or exported: docker save and docker push of its images fail"),
    LAYER_TAR_SPLIT_CORRUPT(Severity.ERROR, false,
            "the layer's content can no longer be proven: docker save and docker push of its images fail"),
    LAYER_CONTENT_MISMATCH(Severity.ERROR, true,
            "nothing at first: dockerd trusts registered layers and docker load/pull skip them; containers start with "
                    + "missing, truncated or corrupt files (\"exec format error\", bad data); docker save fails with "
                    + "\"file integrity checksum failed\""),
    LAYER_ENTRY_MISMATCH(Severity.ERROR, true,
            "entries without content (directories, symbolic links, hard links, empty files, FIFOs) are missing from "
                    + "the layer's diff/ or of another type: containers on it miss them (\"no such file or directory\"; a "
                    + "lost library or interpreter link stops every program that needs it); docker save still succeeds, "
                    + "as it takes their headers from the tar-split. Or an entry's mode (set-id bits included), owner, "
                    + "link target, device numbers or extended attributes differ from its tar header (a lost setuid bit "
                    + "or file capability breaks the program; a changed owner, mode or opaque mark exposes or hides "
                    + "files), which no digest sees"),
    LAYER_UNREFERENCED(Severity.INFO, false,
            "no image or container uses the layer; the next docker load or pull of an image with this chainID reuses it "
                    + "unchecked"),

    // ---- overlay2 dirs of layers and containers ----
    OVERLAY_DIFF_MISSING(Severity.ERROR, true,
            "the layer has no files: containers on it fail to mount or start without its content"),
    OVERLAY_LINK_INVALID(Severity.ERROR, Reach.CREATED_ON_IT,
            "new layers and containers on it get a broken lower: a new container silently gets the overlay2/l/ "
                    + "symlinks in place of the layer's files (dockerd 20.10.24, no error); registering a layer on it "
                    + "fails with \"too many levels of symbolic links\" or \"readlink /var/lib/docker/overlay2/l: invalid "
                    + "argument\"; containers created before keep working"),
    OVERLAY_SYMLINK_MISSING(Severity.ERROR, true,
            "\"error creating overlay mount to .../merged: no such file or directory\" when a container on it starts"),
    OVERLAY_SYMLINK_WRONG(Severity.ERROR, true,
            "the dir's overlay2/l/ entry points at another dir's files, at nothing, or is not a symbolic link: mounts "
                    + "that name it (every container on the layer) fail (\"error creating overlay mount ...: too many "
                    + "levels of symbolic links\" when it points into another of their layers, \"no such file or "
                    + "directory\" when at nothing) or silently get the other dir's files"),
    OVERLAY_SYMLINK_DANGLING(Severity.WARNING, false,
            "an l/ symlink points at nothing: mounts that name it fail with \"no such file or directory\""),
    OVERLAY_LOWER_INVALID(Severity.ERROR, Reach.CREATED_ON_IT,
            "\"error creating overlay mount to .../merged\" (\"too many levels of symbolic links\", \"no such file or "
                    + "directory\" or \"invalid argument\") when a container on it is created or started, or the "
                    + "container sees the wrong lower layers; on an image layer only what is created on it from now on "
                    + "(a container's mount reads its own lower, written when it was created); an empty lower on an "
                    + "image's top layer also fails docker image inspect and run of it at once (\"readlink <root>/overlay2: "
                    + "invalid argument\"), even after a re-load said \"Loaded image\""),

    // ---- images ----
    IMAGE_CONFIG_INVALID(Severity.ERROR, true,
            "dockerd drops the image at start: \"invalid image ... failed to verify\" or a JSON error; it is gone from docker images"),
    IMAGE_LAYER_MISSING(Severity.ERROR, true,
            "a layer of the image is missing or damaged: when it is not registered or dockerd cannot load it, dockerd "
                    + "drops the image at start (\"layer does not exist, not restoring image <id>\"); when it is loaded "
                    + "but its files or overlay2 dir are damaged, docker run of the image fails or runs on damaged files"),

    // ---- references ----
    REPOSITORIES_INVALID(Severity.ERROR, true,
            "dockerd refuses to start: \"Couldn't create reference store repository: EOF\" (or a JSON error)"),
    REFERENCE_TARGET_MISSING(Severity.WARNING, false,
            "the tag names an image that is not in the store: docker run of the tag fails with \"No such image\" "
                    + "(or tries a pull)"),
    REFERENCE_LOST(Severity.ERROR, false,
            "a tag the engine had is gone from repositories.json while the engine still holds its image (a power "
                    + "cut after docker load stored the image and before it wrote the tag, or repositories.json lost): "
                    + "the image is <none>, and docker run or compose of the name fails with \"No such image\" or "
                    + "tries a pull. Only a tag the engine had evidence of: a container's Config.Image on that image, "
                    + "or an app-store name of an image the engine holds under no name at all"),

    // ---- containers ----
    CONTAINER_CONFIG_INVALID(Severity.ERROR, true,
            "dockerd cannot load the container at start (\"failed to load container\"); it is gone from docker ps -a"),
    CONTAINER_LAYER_MISSING(Severity.ERROR, true,
            "the container's read-write or init layer is missing or broken: docker start fails to mount it"),
    CONTAINER_IMAGE_DAMAGED(Severity.ERROR, true,
            "the container's image is missing or damaged: docker start fails, or runs on damaged files"),

    // ---- leftovers (disk space lost for good) ----
    ORPHAN_CACHE_DIR(Severity.WARNING, false,
            "an overlay2 dir no layer or container uses (an interrupted extraction): dockerd never removes it; its "
                    + "disk space is lost"),
    STALE_WRITE_SET(Severity.WARNING, false,
            "an uncommitted layer transaction: dockerd never removes it; its disk space is lost"),
    INTERRUPTED_REMOVAL(Severity.WARNING, false,
            "a layer deletion that was interrupted: dockerd never finishes it; its disk space is lost"),
    STALE_IMPORT_TMP(Severity.WARNING, false,
            "the copy of an archive from an interrupted docker load: dockerd never removes it; its disk space is lost"),
    ATOMIC_WRITE_LEFTOVER(Severity.WARNING, false,
            "the temp file of one of dockerd's atomic writes (.tmp-<name><digits> beside an image config, its "
                    + "metadata, repositories.json, distribution metadata, a container's config.v2.json or "
                    + "hostconfig.json, an overlay2 dir's link, lower or committed), left by a power cut between "
                    + "its write and its rename: dockerd never looks at it again nor removes it; its disk space is lost"),
    UNEXPECTED_ENTRY(Severity.WARNING, false,
            "an entry dockerd would not have written (bad name, symlink, wrong type, unreadable): dockerd ignores or "
                    + "trips over it"),

    // ---- the restorable app store (check --app-store): severity and consequence are the app store model's ----
    APPSTORE_UNREADABLE(AppStoreFinding.Code.APPSTORE_UNREADABLE),
    APPSTORE_INDEX_INVALID(AppStoreFinding.Code.APPSTORE_INDEX_INVALID),
    APPSTORE_BLOB_MISSING(AppStoreFinding.Code.APPSTORE_BLOB_MISSING),
    APPSTORE_BLOB_CORRUPT(AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT),
    APPSTORE_REFUSED_PATH(AppStoreFinding.Code.APPSTORE_REFUSED_PATH),
    APPSTORE_APP_MANIFEST_INVALID(AppStoreFinding.Code.APPSTORE_APP_MANIFEST_INVALID),
    APPSTORE_UNSUPPORTED(AppStoreFinding.Code.APPSTORE_UNSUPPORTED);

    /**
     * How far the damage of a damaging code reaches from a layer: everything that stands on it, or
     * only what dockerd creates on it from now on (a new container of an image whose top layer it
     * is, a new layer registered on it). A container's own finding damages that container.
     */
    public enum Reach {
        /** The layer is unusable: every layer above it, every image holding it, every container on them. */
        EVERYTHING_ON_IT,
        /**
         * What exists keeps working (dockerd copied what it needed when it created it); what is
         * created on the layer from now on is broken: new containers of the images whose top layer
         * it is, and new layers on it.
         */
        CREATED_ON_IT
    }

    private final Severity severity;
    private final boolean damaging;
    private final Reach reach;
    private final String consequence;

    FindingCode(Severity severity, boolean damaging, String consequence) {
        this.severity = severity;
        this.damaging = damaging;
        this.reach = Reach.EVERYTHING_ON_IT;
        this.consequence = consequence;
    }

    /** A damaging code with a narrower reach. */
    FindingCode(Severity severity, Reach reach, String consequence) {
        this.severity = severity;
        this.damaging = true;
        this.reach = reach;
        this.consequence = consequence;
    }

    /** An app-store code: it damages nothing in the engine's store. */
    FindingCode(AppStoreFinding.Code code) {
        this(switch (code.level()) {
            case ERROR -> Severity.ERROR;
            case WARNING -> Severity.WARNING;
            case INFO -> Severity.INFO;
        }, false, code.consequence());
    }

    /** The code of an app-store finding. */
    public static FindingCode of(AppStoreFinding.Code code) {
        return valueOf(code.name());
    }

    public Severity severity() {
        return severity;
    }

    /** Whether the finding makes its subject unusable (and so everything that stands on it). */
    public boolean damaging() {
        return damaging;
    }

    /** How far a damaging finding on a layer reaches (see {@link Reach}). */
    public Reach reach() {
        return reach;
    }

    public String consequence() {
        return consequence;
    }
}
