/**
 * The restorable app store, read-only and tolerant of damage: the reset-apps layout
 * ({@code apps/<app>/<hash>/images/<host>/<repo>/<manifest hex>/index.json} + shared
 * {@code blobs/sha256/}), a plain OCI image layout, or a docker-archive tarball.
 * {@link dev.dockfsck.model.appstore.AppStore#open} resolves each image to manifest, config and
 * layer blobs; every digest is validated before it becomes a path, nothing is read through a
 * symbolic link or outside the store, and every problem is an
 * {@link dev.dockfsck.model.appstore.AppStoreFinding} naming the blob and the images and apps it
 * breaks.
 */
package dev.dockfsck.model.appstore;
