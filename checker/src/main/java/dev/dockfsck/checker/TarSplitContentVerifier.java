package dev.dockfsck.checker;

import dev.dockfsck.checker.deep.LayerJob;
import dev.dockfsck.checker.deep.LayerVerification;
import dev.dockfsck.checker.deep.LayerVerifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link ContentVerifier} of {@code check --deep}: re-assembles each layer tar from its
 * tar-split and {@code diff/} ({@link LayerVerifier}) and compares it with the diffID.
 */
public final class TarSplitContentVerifier implements ContentVerifier {
    private final Path dataRoot;

    public TarSplitContentVerifier(Path dataRoot) {
        this.dataRoot = dataRoot;
    }

    @Override
    public List<Finding> verify(List<Job> layers, int jobs, Progress progress) {
        List<LayerJob> work = new ArrayList<>(layers.size());
        for (Job j : layers) {
            work.add(new LayerJob(j.layer().chainId(), j.layer().diffId().optional().orElseThrow(),
                    j.cacheDir().diffDir(), j.layer().tarSplitPath(), j.layer().size().optional().orElse(0L)));
        }
        long start = System.nanoTime();
        List<LayerVerification> results = LayerVerifier.verifyAll(work, jobs,
                progress == Progress.NONE ? null : progress::update);
        long nanos = System.nanoTime() - start;
        List<Finding> out = new ArrayList<>();
        long bytes = 0;
        for (LayerVerification v : results) {
            out.addAll(v.toFindings(dataRoot));
            bytes += v.contentBytes();
        }
        progress.done(results.size(), bytes, nanos, Math.max(1, Math.min(jobs, results.size())));
        return out;
    }
}
