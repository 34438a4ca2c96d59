package dev.dockfsck.checker.deep;

import dev.dockfsck.model.Digest;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One layer to verify.
 *
 * @param chainId  the layer's chainID (its layerdb directory name; the findings' subject)
 * @param diffId   the expected DiffID (the layer's {@code diff} file)
 * @param diffDir  the overlay2 cache dir's {@code diff/} directory
 * @param tarSplit the layer's {@code tar-split.json.gz}
 * @param sizeHint bytes of file content expected under diff/ (the layer's {@code size} file), or
 *                 -1 when unknown; only used for progress
 */
public record LayerJob(Digest chainId, Digest diffId, Path diffDir, Path tarSplit, long sizeHint) {
    public LayerJob {
        Objects.requireNonNull(chainId, "chainId");
        Objects.requireNonNull(diffId, "diffId");
        Objects.requireNonNull(diffDir, "diffDir");
        Objects.requireNonNull(tarSplit, "tarSplit");
    }

    public LayerJob(Digest chainId, Digest diffId, Path diffDir, Path tarSplit) {
        this(chainId, diffId, diffDir, tarSplit, -1);
    }
}
