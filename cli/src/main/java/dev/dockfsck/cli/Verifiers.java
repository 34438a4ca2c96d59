package dev.dockfsck.cli;

import dev.dockfsck.checker.ContentVerifier;
import dev.dockfsck.checker.TarSplitContentVerifier;
import java.nio.file.Path;

/** The content verifier the commands use for --deep. */
final class Verifiers {
    private Verifiers() {
    }

    static ContentVerifier content(Path root) {
        return new TarSplitContentVerifier(root);
    }
}
