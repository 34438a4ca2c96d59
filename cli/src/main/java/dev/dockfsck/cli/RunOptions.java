package dev.dockfsck.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** What every store command takes for fleets and operators: report and metrics files, verbosity. */
final class RunOptions {
    @Option(names = "--report", paramLabel = "FILE",
            description = "Also write the JSON report to FILE (atomically: a reader never sees half of it)")
    Path report;

    @Option(names = "--metrics", paramLabel = "FILE",
            description = "Write metrics in node_exporter's textfile format to FILE (atomically): findings by code, "
                    + "repairs, bytes reclaimed, duration, exit code, last-success timestamp")
    Path metrics;

    @Option(names = {"-v", "--verbose"}, description = "Say more: each finding's evidence, every step")
    boolean verbose;

    @Option(names = {"-q", "--quiet"}, description = "Say only the outcome (one line) and errors")
    boolean quiet;

    final long start = System.nanoTime();

    void validate(CommandLine.Model.CommandSpec spec) {
        if (verbose && quiet) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--verbose and --quiet go one without the other");
        }
    }

    void writeReport(byte[] json) {
        if (report == null) {
            return;
        }
        try {
            AtomicFiles.write(report, json);
        } catch (IOException e) {
            throw new OperationalException("cannot write the report " + report + ": " + e.getMessage(), e);
        }
    }

    void writeMetrics(Metrics m, int exitCode) {
        if (metrics == null) {
            return;
        }
        try {
            m.write(metrics, exitCode, start);
        } catch (IOException e) {
            throw new OperationalException("cannot write the metrics " + metrics + ": " + e.getMessage(), e);
        }
    }

    /** On an operational error: metrics with exit 8 (the last success kept), a report naming the error. */
    void failed(String command, OperationalException e) {
        try {
            if (report != null) {
                com.fasterxml.jackson.databind.node.ObjectNode doc = new com.fasterxml.jackson.databind.ObjectMapper()
                        .createObjectNode();
                doc.put("schema", "dockfsck.error/v1");
                doc.put("command", command);
                doc.put("error", e.getMessage());
                doc.put("exit_code", ExitCodes.OPERATIONAL);
                AtomicFiles.write(report, (doc.toPrettyString() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            if (metrics != null) {
                new Metrics(command).write(metrics, ExitCodes.OPERATIONAL, start);
            }
        } catch (IOException io) {
            Output.stderr().println("dockfsck: cannot record the failure: " + io.getMessage());
        }
    }
}
