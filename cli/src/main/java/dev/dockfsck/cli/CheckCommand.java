package dev.dockfsck.cli;

import dev.dockfsck.checker.Checker;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.output.ReportJson;
import dev.dockfsck.checker.output.ReportText;
import dev.dockfsck.model.store.DataRoot;
import dev.dockfsck.model.store.DataRootReader;
import dev.dockfsck.model.store.StoreException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dockfsck check}: read-only check of a data root. */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Checks a Docker data root (overlay2) without writing anything.",
                "Run it while dockerd is stopped for an exact answer."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:clean (info findings only)", "4:errors or warnings found",
                "8:operational error (root unreadable, not a Docker root)", "16:usage error"})
public final class CheckCommand implements Callable<Integer> {
    @Option(names = "--root", paramLabel = "DIR", defaultValue = "/var/lib/docker",
            description = "Docker data root (default: ${DEFAULT-VALUE})")
    Path root;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    Format format;

    @Option(names = "--jobs", paramLabel = "N", description = "Layers verified at once (default: number of cores)")
    Integer jobs;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    enum Format { text, json }

    @Override
    public Integer call() throws IOException {
        int n = jobs == null ? Runtime.getRuntime().availableProcessors() : jobs;
        if (n < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--jobs must be at least 1, got " + n);
        }
        Report report = new Checker(null).check(read(root), new Checker.Options(false, java.util.Optional.empty(), n,
                dev.dockfsck.checker.ContentVerifier.Progress.NONE));
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
                java.nio.charset.StandardCharsets.UTF_8);
        if (format == Format.json) {
            ReportJson.write(report, out);
        } else {
            ReportText.write(report, out);
        }
        out.flush();
        return report.clean() ? ExitCodes.CLEAN : ExitCodes.ERRORS_LEFT;
    }

    static DataRoot read(Path root) {
        try {
            return DataRootReader.read(root);
        } catch (StoreException e) {
            throw new OperationalException(e.getMessage(), e);
        }
    }
}
