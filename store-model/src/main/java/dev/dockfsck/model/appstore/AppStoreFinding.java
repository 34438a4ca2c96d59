package dev.dockfsck.model.appstore;

import java.util.List;
import java.util.Objects;

/**
 * One problem of the app store. The model never throws on a damaged store: everything that keeps
 * an image from being restored is one of these, naming the blob or file and the images and apps
 * it breaks.
 *
 * @param code    what kind of problem
 * @param path    the file, directory or blob concerned, relative to the store root
 * @param blob    the blob's digest ({@code sha256:...}) or archive entry when a blob is concerned, else ""
 * @param message one line for a person
 * @param images  the names (or keys) of the images it makes unrestorable
 * @param apps    the apps those images belong to
 */
public record AppStoreFinding(Code code, String path, String blob, String message, List<String> images,
                              List<String> apps) {
    public enum Level { ERROR, WARNING, INFO }

    public enum Code {
        APPSTORE_UNREADABLE(Level.ERROR, true,
                "the app store is missing or cannot be read: nothing can be restored from it"),
        APPSTORE_INDEX_INVALID(Level.ERROR, true,
                "an image's index.json, manifest or config is missing, malformed or inconsistent: the image cannot "
                        + "be restored from the app store"),
        APPSTORE_BLOB_MISSING(Level.ERROR, true,
                "a blob the image needs is not in the app store: the image (and every app using it) cannot be "
                        + "restored from the store; other images are unaffected"),
        APPSTORE_BLOB_CORRUPT(Level.ERROR, true,
                "a blob does not match its digest or size: loading it would fail in dockerd (\"invalid diffID\") "
                        + "or restore wrong content; the images using it cannot be restored from the store"),
        APPSTORE_REFUSED_PATH(Level.ERROR, true,
                "a symbolic link, a '..' or a path outside the store where a blob, digest or name is expected: "
                        + "refused and not read; the image concerned cannot be restored"),
        APPSTORE_APP_MANIFEST_INVALID(Level.WARNING, false,
                "an app's manifest.json is missing or does not hash to its directory name, or its docker-compose.yml "
                        + "cannot be read: the app's images are still restorable, but the app version cannot be proven, "
                        + "nor the images it needs listed (an image lost whole goes unnoticed)"),
        APPSTORE_UNSUPPORTED(Level.WARNING, true,
                "an image uses a format dockfsck cannot restore (unknown media type, zstd layers): it is skipped");

        private final Level level;
        private final boolean blocking;
        private final String consequence;

        Code(Level level, boolean blocking, String consequence) {
            this.level = level;
            this.blocking = blocking;
            this.consequence = consequence;
        }

        public Level level() {
            return level;
        }

        /** Whether it keeps the images it names from being restored. */
        public boolean blocking() {
            return blocking;
        }

        public String consequence() {
            return consequence;
        }
    }

    public AppStoreFinding {
        Objects.requireNonNull(code, "code");
        path = path == null ? "" : path;
        blob = blob == null ? "" : blob;
        Objects.requireNonNull(message, "message");
        images = List.copyOf(images);
        apps = List.copyOf(apps);
    }

    public Level level() {
        return code.level();
    }

    /** "APPSTORE_BLOB_CORRUPT: blobs/sha256/ab.. : message (images: a, b)". */
    public String describe() {
        StringBuilder b = new StringBuilder(code.name()).append(": ").append(message);
        if (!images.isEmpty()) {
            b.append(" (images: ").append(String.join(", ", images)).append(')');
        }
        if (!apps.isEmpty()) {
            b.append(" (apps: ").append(String.join(", ", apps)).append(')');
        }
        return b.toString();
    }
}
