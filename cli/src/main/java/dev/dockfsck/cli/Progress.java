package dev.dockfsck.cli;

import dev.dockfsck.checker.ContentVerifier;
import dev.dockfsck.checker.output.ReportText;
import java.io.PrintStream;

/**
 * A one-line progress display on stderr, shown only when a person is watching (a terminal) and
 * the work has taken more than a second. {@link #finish()} ends the line.
 */
final class Progress implements ContentVerifier.Progress {
    private final PrintStream err;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private long last;
    private boolean shown;

    private Progress(PrintStream err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    static Progress forTerminal(PrintStream err) {
        return new Progress(err, System.console() != null);
    }

    @Override
    public synchronized void update(long done, long total) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - start < 1_000_000_000L || now - last < 250_000_000L) {
            return;
        }
        last = now;
        shown = true;
        double secs = (now - start) / 1e9;
        String pct = total > 0 ? String.format(java.util.Locale.ROOT, " (%d%%)", Math.min(100, done * 100 / total)) : "";
        err.printf(java.util.Locale.ROOT, "\rverifying layer content: %s of %s%s, %.0f MiB/s   ",
                ReportText.human(done), ReportText.human(total), pct, done / 1048576.0 / secs);
        err.flush();
    }

    /** The closing line of a deep verification, on stderr whether or not a terminal watches. */
    @Override
    public synchronized void done(int layers, long contentBytes, long nanos, int jobs) {
        finish();
        double secs = nanos / 1e9;
        err.printf(java.util.Locale.ROOT, "deep: %d layer%s, %s of content verified in %.2f s (%.0f MB/s, %d job%s)%n",
                layers, layers == 1 ? "" : "s", ReportText.human(contentBytes), secs,
                secs > 0 ? contentBytes / 1e6 / secs : 0.0, jobs, jobs == 1 ? "" : "s");
        err.flush();
    }

    synchronized void finish() {
        if (shown) {
            err.println();
            shown = false;
        }
    }
}
