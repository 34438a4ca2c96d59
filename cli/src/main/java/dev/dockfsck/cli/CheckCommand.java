package dev.dockfsck.cli;

import dev.dockfsck.checker.Checker;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.output.ReportJson;
import dev.dockfsck.checker.output.ReportText;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.store.DataRoot;
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
    @Option(names = "--root", paramLabel = "DIR", defaultValue = Main.DEFAULT_ROOT,
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

    @CommandLine.Mixin
    RunOptions run = new RunOptions();

    @CommandLine.Mixin
    LedgerOptions ledger = new LedgerOptions();

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "/var/lib/dockfsck",
            description = "Where --incremental keeps its ledger (default: ${DEFAULT-VALUE})")
    Path stateDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    enum Format { text, json }

    @Override
    public Integer call() throws IOException {
        run.validate(spec);
        ledger.validate(spec, deep);
        try {
            return check();
        } catch (OperationalException e) {
            run.failed("check", e);
            throw e;
        }
    }

    private Integer check() throws IOException {
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
        Progress progress = Progress.forTerminal(Output.stderr());
        Report report;
        try (dev.dockfsck.model.appstore.AppStore apps = appStore == null ? null : AppStores.openForCheck(appStore)) {
            report = new Checker(ledger.verifiers(stateDir).apply(store.root())).check(store,
                    new Checker.Options(deep, only, n, progress, java.util.Optional.ofNullable(apps)));
        }
        progress.finish();
        PrintStream out = Output.stdout();
        int exit = report.clean() ? ExitCodes.CLEAN : ExitCodes.ERRORS_LEFT;
        java.io.ByteArrayOutputStream json = new java.io.ByteArrayOutputStream();
        if (format == Format.json || run.report != null) {
            ReportJson.write(report, json);
        }
        if (format == Format.json) {
            out.write(json.toByteArray());
        } else if (run.quiet) {
            out.println(outcome(report));
        } else {
            ReportText.write(report, out);
            if (run.verbose) {
                evidence(report, out);
            }
        }
        out.flush();
        run.writeReport(json.toByteArray());
        run.writeMetrics(new Metrics("check").findings(report, "found")
                .gauge("dockfsck_layers_checked", "Layers in the store.", report.summary().layers().checked())
                .gauge("dockfsck_deep", "Whether the run verified layer content (1) or only metadata (0).", deep ? 1 : 0),
                exit);
        return exit;
    }

    /** The one line --quiet says. */
    static String outcome(Report r) {
        if (r.clean()) {
            return "dockfsck: " + r.store().root() + ": clean";
        }
        return "dockfsck: " + r.store().root() + ": NOT CLEAN, " + r.summary().errors() + " error(s), "
                + r.summary().warnings() + " warning(s)";
    }

    /** --verbose: every finding's evidence, one line each. */
    static void evidence(Report r, PrintStream out) {
        if (r.findings().isEmpty()) {
            return;
        }
        out.println();
        out.println("evidence:");
        for (dev.dockfsck.checker.Finding f : r.findings()) {
            StringBuilder b = new StringBuilder("  " + f.code() + " " + f.subject() + ":");
            f.evidence().forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
            if (!f.affects().isEmpty()) {
                b.append(" affects=").append(f.affects());
            }
            out.println(b);
        }
    }

    static DataRoot read(Path root) {
        try {
            return dev.dockfsck.model.store.Prefetch.takeOrRead(root);
        } catch (StoreException e) {
            throw new OperationalException(e.getMessage(), e);
        }
    }
}
