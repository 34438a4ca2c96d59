package dev.dockfsck.checker;

import dev.dockfsck.model.layer.Layer;
import dev.dockfsck.model.overlay.OverlayDir;
import java.util.List;

/**
 * Deep verification of layer content: re-assembles each layer's tar from its tar-split and
 * {@code diff/} and compares it with its diffID. Reports {@code LAYER_CONTENT_MISMATCH} and
 * {@code LAYER_TAR_SPLIT_CORRUPT} findings.
 */
public interface ContentVerifier {
    /** One layer whose layerdb entry and cache dir are healthy enough to verify. */
    record Job(Layer layer, OverlayDir cacheDir) {
    }

    /** Progress of a long verification, in bytes of layer content. */
    interface Progress {
        /** Content bytes verified so far and the expected total (0 when unknown); called from worker threads. */
        void update(long bytesDone, long bytesTotal);

        /**
         * Called once at the end: how many layers were verified, their content bytes, the wall
         * time of the verification alone (the metadata walk excluded) and the jobs it ran on.
         */
        default void done(int layers, long contentBytes, long nanos, int jobs) {
        }

        Progress NONE = (a, b) -> { };
    }

    /** Verifies every job, {@code jobs} at a time; the findings in a deterministic order. */
    List<Finding> verify(List<Job> layers, int jobs, Progress progress);
}
