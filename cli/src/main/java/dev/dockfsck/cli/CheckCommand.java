package dev.dockfsck.cli;

import dev.dockfsck.checker.Checker;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.output.ReportJson;
import dev.dockfsck.checker.output.ReportText;
import dev.dockfsck.model.Digest;
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

    @Option(names = "--deep", description = {"Also prove every layer's files: re-assemble each layer tar from "
            + "tar-split.json.gz and diff/ and compare it with its diffID (reads all layer content)."})
    boolean deep;

    @Option(names = "--app-store", paramLabel = "DIR",
            description = {"Also check the restorable app store (read only): manifests and configs always, layer blobs "
                    + "with --deep; and name the app images a damaged unreferenced layer would break on re-load."})
    Path appStore;

    @Option(names = "--layer", paramLabel = "CHAINID",
            description = "With --deep: verify the content of this layer only (sha256:<64 hex>)")
    String layer;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    enum Format { text, json }

    @Override
    public Integer call() throws IOException {
        int n = Verifiers.jobs(jobs, spec);
        java.util.Optional<Digest> only = java.util.Optional.empty();
        if (layer != null) {
            only = Digest.tryParse(layer);
            if (only.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--layer takes a chainID (sha256:<64 hex>), got " + dev.dockfsck.model.Texts.quote(layer));
            }
            if (!deep) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--layer goes with --deep");
            }
        }
        DataRoot store = read(root);
        if (only.isPresent() && store.layerDb().layer(only.get()).isEmpty()) {
            throw new OperationalException("no layer " + only.get() + " is registered in " + store.root());
        }
        if (deep) {
            Verifiers.warnIfSlowHashing();
        }
        Progress progress = Progress.forTerminal(Output.stderr());
        Report report;
        try (dev.dockfsck.model.appstore.AppStore apps = appStore == null ? null : AppStores.openForCheck(appStore)) {
            report = new Checker(Verifiers.content(store.root())).check(store,
                    new Checker.Options(deep, only, n, progress, java.util.Optional.ofNullable(apps)));
        }
        progress.finish();
        PrintStream out = Output.stdout();
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
