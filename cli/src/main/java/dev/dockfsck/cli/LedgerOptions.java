package dev.dockfsck.cli;

import dev.dockfsck.checker.ContentVerifier;
import java.nio.file.Path;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --incremental}, {@code --full}, {@code --time-budget}: the deep-verify ledger ({@link DeepLedger}). */
final class LedgerOptions {
    @Option(names = "--incremental", description = {"With --deep: prove only the layers the ledger in the state dir "
            + "does not hold yet (registered layers are immutable: only new ones can be hurt by a power cut), "
            + "and record the ones proven now"})
    boolean incremental;

    @Option(names = "--full", description = "With --incremental: prove every layer again and rewrite the ledger")
    boolean full;

    @Option(names = "--time-budget", paramLabel = "SECONDS",
            description = "With --incremental: stop proving new layers after this long; the rest waits for the next run")
    Double budget;

    void validate(CommandLine.Model.CommandSpec spec, boolean deep) {
        if ((full || budget != null) && !incremental) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--full and --time-budget go with --incremental");
        }
        if (incremental && !deep) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--incremental goes with --deep");
        }
        if (budget != null && !(budget > 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--time-budget must be more than 0 seconds");
        }
    }

    /** The content verifier the run uses: the plain one, or the ledger's around it. */
    Function<Path, ContentVerifier> verifiers(Path stateDir) {
        if (!incremental) {
            return Verifiers::content;
        }
        return root -> {
            DeepLedger ledger = DeepLedger.open(stateDir, root);
            if (ledger.ignored()) {
                Output.stderr().println("dockfsck: the deep-verify ledger " + ledger.file()
                        + " is torn or not this root's: ignored, every layer is proven again");
            }
            return DeepLedger.verifier(Verifiers.content(root), ledger, full,
                    budget == null ? 0 : (long) (budget * 1e9), s -> Output.stderr().println("deep: ledger: " + s.skipped()
                            + " layer(s) proven before, " + s.verified() + " proven now"
                            + (s.deferred() > 0 ? ", " + s.deferred() + " left for the next run (time budget)" : "")));
        };
    }
}
