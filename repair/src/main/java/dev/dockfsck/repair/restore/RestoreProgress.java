package dev.dockfsck.repair.restore;

/** Progress of one image's upload: content bytes sent of the total. Called from a writer thread. */
@FunctionalInterface
public interface RestoreProgress {
    RestoreProgress NONE = (image, sent, total) -> { };

    void onProgress(String image, long sent, long total);
}
