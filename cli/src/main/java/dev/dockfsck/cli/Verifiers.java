package dev.dockfsck.cli;

import dev.dockfsck.model.hash.Sha256Engine;
import dev.dockfsck.checker.ContentVerifier;
import dev.dockfsck.checker.TarSplitContentVerifier;
import java.nio.file.Path;

/** The content verifier the commands use for --deep. */
final class Verifiers {
    private Verifiers() {
    }

    /** {@code --jobs}: the number of cores when not given; at least 1 (a usage error otherwise). */
    static int jobs(Integer given, picocli.CommandLine.Model.CommandSpec spec) {
        int n = given == null ? Runtime.getRuntime().availableProcessors() : given;
        if (n < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--jobs must be at least 1, got " + n);
        }
        return n;
    }

    /**
     * The verifier of layer content, which says on stderr, before the first layer it hashes, when
     * this JVM can only hash slowly. Not before: finding out links libcrypto (~90 ms of CPU), and
     * the boot unit's incremental verify hashes no layer on most boots.
     */
    static ContentVerifier content(Path root) {
        ContentVerifier inner = new TarSplitContentVerifier(root);
        boolean[] warned = {false};
        return (layers, jobs, progress) -> {
            if (!layers.isEmpty() && !warned[0]) {
                warned[0] = true;
                warnIfSlowHashing();
            }
            return inner.verify(layers, jobs, progress);
        };
    }

    /**
     * Says on stderr when this JVM can only hash slowly (see docs/java-on-the-store.md). Waits for
     * the link {@link StartUp} began, if it did.
     */
    private static void warnIfSlowHashing() {
        Sha256Engine.performanceWarning().ifPresent(w -> Output.stderr().println("dockfsck: " + w));
    }
}
