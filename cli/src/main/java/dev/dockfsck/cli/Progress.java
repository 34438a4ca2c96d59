package dev.dockfsck.cli;

import dev.dockfsck.checker.ContentVerifier;
import java.io.PrintStream;

/** A one-line progress display on stderr, only when a person is watching and the work is long. */
final class Progress {
    private Progress() {
    }

    static ContentVerifier.Progress forTerminal(PrintStream err) {
        if (System.console() == null) {
            return ContentVerifier.Progress.NONE;
        }
        long start = System.nanoTime();
        long[] last = {0};
        return (done, total, layersDone, layersTotal) -> {
            long now = System.nanoTime();
            if (now - start < 1_000_000_000L || (now - last[0] < 200_000_000L && layersDone < layersTotal)) {
                return;
            }
            last[0] = now;
            double secs = (now - start) / 1e9;
            err.printf("\rverifying layers: %d/%d, %s of %s (%.0f MiB/s)   ", layersDone, layersTotal,
                    dev.dockfsck.checker.output.ReportText.human(done), dev.dockfsck.checker.output.ReportText.human(total),
                    done / 1048576.0 / secs);
            if (layersDone == layersTotal) {
                err.println();
            }
            err.flush();
        };
    }
}
