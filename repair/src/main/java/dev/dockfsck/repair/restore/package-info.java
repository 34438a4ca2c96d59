/**
 * Re-injection of app-store images into dockerd: {@link dev.dockfsck.repair.restore.Restorer}
 * streams each image as a docker-archive from the store's blobs into {@code POST /images/load}
 * (docker-java, no copy on disk), verifying every layer on the way and aborting the upload on a
 * mismatch so dockerd registers nothing of that image; {@link dev.dockfsck.repair.restore.PendingRestore}
 * reads and clears {@code <state-dir>/pending-restore.json}.
 */
package dev.dockfsck.repair.restore;
