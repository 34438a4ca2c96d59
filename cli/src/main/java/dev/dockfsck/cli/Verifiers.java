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

    static ContentVerifier content(Path root) {
        return new TarSplitContentVerifier(root);
    }

    /**
     * Links the fastest SHA-256 in the background while the metadata walk runs, and says on
     * stderr when this JVM can only hash slowly (see docs/java-on-the-store.md).
     */
    static void warmUp() {
        Sha256Engine.preload();
        Sha256Engine.performanceWarning().ifPresent(w -> Output.stderr().println("dockfsck: " + w));
    }
}
