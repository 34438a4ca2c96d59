package dev.dockfsck.checker.output;

import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.Severity;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.checker.Summary;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.image.Reference;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The report for a person: findings grouped by the image they break (one line each, then what the
 * user sees), then the findings that break no image, then the summary.
 */
public final class ReportText {
    private ReportText() {
    }

    public static void write(Report r, PrintStream out) {
        out.println("dockfsck: " + r.store().root() + " (" + r.store().driver() + (r.deep() ? ", deep" : "") + ")");
        Map<Subject, String> names = imageNames(r);
        Map<Subject, List<Finding>> byImage = new TreeMap<>();
        List<Finding> other = new ArrayList<>();
        for (Finding f : r.findings()) {
            List<Subject> images = f.affects().stream().filter(s -> s.kind() == Subject.Kind.IMAGE).toList();
            if (f.subject().kind() == Subject.Kind.IMAGE && images.isEmpty()) {
                images = List.of(f.subject());
            }
            if (images.isEmpty()) {
                other.add(f);
            }
            for (Subject img : images) {
                byImage.computeIfAbsent(img, k -> new ArrayList<>()).add(f);
            }
        }
        java.util.Set<Finding> shown = new java.util.HashSet<>();
        for (Map.Entry<Subject, List<Finding>> e : byImage.entrySet()) {
            out.println();
            out.println("image " + names.getOrDefault(e.getKey(), "<untagged>") + " ("
                    + Digest.parse(e.getKey().id()).shortHex() + "): " + (r.isDamaged(e.getKey()) ? "DAMAGED" : "ok"));
            List<Finding> fresh = new ArrayList<>();
            List<String> again = new ArrayList<>();
            for (Finding f : e.getValue()) {
                if (shown.add(f)) {
                    fresh.add(f);
                } else {
                    again.add(f.code() + " on " + shortSubject(f.subject()));
                }
            }
            findings(fresh, out);
            if (!again.isEmpty()) {
                out.println("  also, shown above: " + String.join(", ", again.stream().distinct().toList()));
            }
        }
        if (!other.isEmpty()) {
            out.println();
            out.println("not tied to an image:");
            findings(other, out);
        }
        out.println();
        Summary s = r.summary();
        out.println("summary: " + counts("image", s.images()) + "; " + counts("layer", s.layers()) + "; "
                + counts("container", s.containers()));
        out.println("         " + s.errors() + " error(s), " + s.warnings() + " warning(s), " + s.infos() + " info; "
                + human(s.bytesReclaimable()) + " reclaimable");
        out.println(r.clean() ? "clean" : "NOT CLEAN");
    }

    private static void findings(List<Finding> list, PrintStream out) {
        String lastConsequence = null;
        for (Finding f : list) {
            out.printf("  %-7s %-25s %s%n", f.severity().label(), f.code().name(), f.message());
            if (!f.path().isEmpty()) {
                out.println("          at " + f.path());
            }
            if (f.severity() != Severity.INFO && !f.consequence().equals(lastConsequence)) {
                out.println("          => " + f.consequence());
                lastConsequence = f.consequence();
            }
        }
    }

    private static String shortSubject(Subject s) {
        String id = s.id().startsWith("sha256:") && s.id().length() == 71 ? s.id().substring(7, 19) : s.id();
        return s.kind().label() + " " + id;
    }

    /** Each image's tags from repositories.json, for display. */
    static Map<Subject, String> imageNames(Report r) {
        Map<Subject, List<String>> tags = new LinkedHashMap<>();
        for (Reference ref : r.store().repositories().references().optional().orElse(List.of())) {
            Digest.tryParse(ref.target()).ifPresent(d ->
                    tags.computeIfAbsent(Subject.image(d), k -> new ArrayList<>()).add(ref.ref()));
        }
        Map<Subject, String> out = new LinkedHashMap<>();
        tags.forEach((k, v) -> out.put(k, String.join(", ", v)));
        return out;
    }

    private static String counts(String what, Summary.Counts c) {
        return c.checked() + " " + what + (c.checked() == 1 ? "" : "s") + " (" + c.healthy() + " healthy, "
                + c.damaged() + " damaged)";
    }

    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[i]);
    }
}
