package dev.dockfsck.cli;

import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.Report;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One run's metrics in node_exporter's textfile-collector format (--metrics FILE), every series
 * labelled with the command ({@code check}, {@code repair}, {@code preen}, {@code restore}).
 * {@code dockfsck_last_success_timestamp_seconds} is the end of the last run that did its work
 * (exit 0, 1 or 4: a store found damaged is a successful check); a run that fails (8) keeps the
 * previous value from the file it replaces, so "not checked for a week" can be alerted on.
 */
final class Metrics {
    private record Family(String help, String type, Map<String, Double> samples) {
    }

    private final String command;
    private final Map<String, Family> families = new LinkedHashMap<>();

    Metrics(String command) {
        this.command = command;
    }

    Metrics gauge(String name, String help, Map<String, String> labels, double value) {
        Family f = declare(name, help);
        Map<String, String> all = new LinkedHashMap<>();
        all.put("command", command);
        all.putAll(new TreeMap<>(labels)); // a series always spells its labels in one order
        StringBuilder key = new StringBuilder();
        all.forEach((k, v) -> key.append(key.length() == 0 ? "" : ",").append(k).append("=\"").append(escape(v)).append('"'));
        f.samples().merge(key.toString(), value, Double::sum);
        return this;
    }

    private Family declare(String name, String help) {
        return families.computeIfAbsent(name, k -> new Family(help, "gauge", new TreeMap<>()));
    }

    Metrics gauge(String name, String help, double value) {
        return gauge(name, help, Map.of(), value);
    }

    /** Findings of a report by code and severity, labelled {@code when} (found, left). */
    Metrics findings(Report r, String when) {
        declare("dockfsck_findings", "Findings by code and severity (when: found before repair, left after it).");
        for (Finding f : r.findings()) {
            Map<String, String> l = new LinkedHashMap<>();
            l.put("code", f.code().name());
            l.put("severity", f.severity().label());
            l.put("when", when);
            gauge("dockfsck_findings", null, l, 1);
        }
        gauge("dockfsck_reclaimable_bytes", "Bytes a repair would free (leftovers, damaged objects).",
                Map.of("when", when), r.summary().bytesReclaimable());
        return this;
    }

    private String labels(Map<String, String> extra) {
        StringBuilder key = new StringBuilder("command=\"" + escape(command) + "\"");
        extra.forEach((k, v) -> key.append(',').append(k).append("=\"").append(escape(v)).append('"'));
        return key.toString();
    }

    /** Adds duration, exit code, run and success timestamps, and writes the file atomically. */
    void write(Path file, int exitCode, long startNanos) throws IOException {
        double now = System.currentTimeMillis() / 1000.0;
        gauge("dockfsck_duration_seconds", "Wall time of the run.", (System.nanoTime() - startNanos) / 1e9);
        gauge("dockfsck_exit_code", "Exit code of the run (e2fsck's: 0 clean, 1 corrected, 4 left, 8 failed).", exitCode);
        gauge("dockfsck_last_run_timestamp_seconds", "When the run ended.", now);
        double success = exitCode < 8 ? now : previousSuccess(file);
        if (success > 0) {
            gauge("dockfsck_last_success_timestamp_seconds", "When the last run that did its work ended (exit below 8).",
                    success);
        }
        StringBuilder out = new StringBuilder();
        families.forEach((name, f) -> {
            if (f.samples().isEmpty()) {
                return;
            }
            if (f.help() != null) {
                out.append("# HELP ").append(name).append(' ').append(f.help()).append('\n');
            }
            out.append("# TYPE ").append(name).append(' ').append(f.type()).append('\n');
            f.samples().forEach((labels, v) -> out.append(name).append('{').append(labels).append("} ")
                    .append(number(v)).append('\n'));
        });
        AtomicFiles.write(file, out.toString().getBytes(StandardCharsets.UTF_8));
    }

    private double previousSuccess(Path file) {
        try {
            String prefix = "dockfsck_last_success_timestamp_seconds{" + labels(Map.of()) + "} ";
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.startsWith(prefix)) {
                    return Double.parseDouble(line.substring(prefix.length()).strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no previous file, or a torn one: no success known
        }
        return 0;
    }

    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
