package dev.dockfsck.cli;

import dev.dockfsck.checker.ContentVerifier;
import dev.dockfsck.checker.TarSplitContentVerifier;
import dev.dockfsck.checker.deep.Sha256Engine;
import java.nio.file.Path;

/** The content verifier the commands use for --deep. */
final class Verifiers {
    private Verifiers() {
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
