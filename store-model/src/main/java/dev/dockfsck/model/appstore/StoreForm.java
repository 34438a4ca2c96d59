package dev.dockfsck.model.appstore;

/** The three forms a restorable app store comes in. */
public enum StoreForm {
    /** {@code <store>/apps/<app>/<hash>/images/<host>/<repo>/<manifest-hex>/index.json} + shared {@code <store>/blobs}. */
    RESET_APPS,
    /** A plain OCI image layout: {@code index.json}, {@code oci-layout}, {@code blobs/sha256/}. */
    OCI_LAYOUT,
    /** A {@code docker save} tarball: {@code manifest.json} + config + layer tars (plain or gzip). */
    DOCKER_ARCHIVE
}
