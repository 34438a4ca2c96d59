package dev.dockfsck.checker;

import dev.dockfsck.model.store.DataRoot;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The result of one check: every finding, keyed by the object it is about, plus the model it was
 * computed from. Repair consumes only this.
 *
 * @param store    the model the findings were computed from (not serialized)
 * @param damaged  every layer, image and container that is unusable, directly or through its chain
 * @param deep     whether layer content was verified against diffIDs
 */
public record Report(DataRoot store, List<Finding> findings, Set<Subject> damaged, Summary summary, boolean deep) {
    public static final Comparator<Finding> ORDER = Comparator.comparing(Finding::subject)
            .thenComparing(Finding::code).thenComparing(Finding::path);

    public Report {
        findings = findings.stream().sorted(ORDER).toList();
        damaged = java.util.Collections.unmodifiableSet(new java.util.TreeSet<>(damaged));
    }

    /** Findings grouped by subject, in report order. */
    public Map<Subject, List<Finding>> bySubject() {
        Map<Subject, List<Finding>> out = new LinkedHashMap<>();
        for (Finding f : findings) {
            out.computeIfAbsent(f.subject(), k -> new java.util.ArrayList<>()).add(f);
        }
        return out;
    }

    public List<Finding> findings(FindingCode code) {
        return findings.stream().filter(f -> f.code() == code).toList();
    }

    public boolean isDamaged(Subject s) {
        return damaged.contains(s);
    }

    /** e2fsck-style: clean when nothing but info findings. */
    public boolean clean() {
        return findings.stream().allMatch(f -> f.severity() == Severity.INFO);
    }
}
