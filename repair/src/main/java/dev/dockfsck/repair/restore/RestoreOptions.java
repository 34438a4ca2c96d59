package dev.dockfsck.repair.restore;

import java.util.Objects;

/**
 * @param force    load even images dockerd already has (same image ID)
 * @param progress called while an image is sent
 */
public record RestoreOptions(boolean force, RestoreProgress progress) {
    public RestoreOptions {
        Objects.requireNonNull(progress, "progress");
    }

    public static RestoreOptions defaults() {
        return new RestoreOptions(false, RestoreProgress.NONE);
    }

    public RestoreOptions withForce(boolean f) {
        return new RestoreOptions(f, progress);
    }

    public RestoreOptions withProgress(RestoreProgress p) {
        return new RestoreOptions(force, p);
    }
}
