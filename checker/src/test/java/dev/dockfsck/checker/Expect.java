package dev.dockfsck.checker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.store.DataRoot;
import dev.dockfsck.model.store.DataRootReader;
import dev.dockfsck.model.store.StoreException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Exact expectations on a {@link Report}: the whole set of findings, each as code, severity,
 * subject, path and affects. A report with one finding more, one less, or one on another subject,
 * path or affects list fails, and the failure shows both lists line by line.
 */
public final class Expect {
    private Expect() {
    }

    /** One expected finding. */
    public record F(FindingCode code, Severity severity, Subject subject, String path, List<Subject> affects) {
        public F {
            affects = List.copyOf(new TreeSet<>(affects));
        }

        String line() {
            return code + " " + severity.label() + " " + subject + " @" + path + " affects "
                    + affects.stream().map(Subject::toString).collect(Collectors.joining(", ", "[", "]"));
        }
    }

    /** A finding with the code's default severity. */
    public static F f(FindingCode code, Subject subject, String path, Subject... affects) {
        return new F(code, code.severity(), subject, path, Arrays.asList(affects));
    }

    public static F f(FindingCode code, Severity severity, Subject subject, String path, Subject... affects) {
        return new F(code, severity, subject, path, Arrays.asList(affects));
    }

    public static Subject layer(Digest d) {
        return Subject.layer(d);
    }

    public static Subject image(Digest d) {
        return Subject.image(d);
    }

    public static Subject container(String id) {
        return Subject.container(id);
    }

    public static Subject path(String rel) {
        return Subject.path(rel);
    }

    static String line(Finding f) {
        return new F(f.code(), f.severity(), f.subject(), f.path(), f.affects()).line();
    }

    /** Asserts the report holds exactly these findings (in any order), nothing else. */
    public static void exactly(Report r, F... expected) {
        List<String> want = new ArrayList<>();
        for (F e : expected) {
            want.add(e.line());
        }
        want.sort(null);
        List<String> got = r.findings().stream().map(Expect::line).sorted().toList();
        assertEquals(String.join("\n", want), String.join("\n", got), "findings\n" + describe(r));
    }

    /** The report as text for failure messages. */
    public static String describe(Report r) {
        StringBuilder b = new StringBuilder();
        for (Finding f : r.findings()) {
            b.append("  ").append(f.code()).append(' ').append(f.subject()).append(" @").append(f.path()).append(": ")
                    .append(f.message()).append(' ').append(f.evidence()).append('\n');
        }
        return b.toString();
    }

    /** The single finding with this code; fails if there is not exactly one. */
    public static Finding one(Report r, FindingCode code) {
        List<Finding> fs = r.findings(code);
        assertEquals(1, fs.size(), "one " + code + " expected\n" + describe(r));
        return fs.get(0);
    }

    public static Report check(Path root) throws StoreException {
        return check(root, false);
    }

    /** Reads and checks a root; with deep, through the tar-split verifier with 2 jobs. */
    public static Report check(Path root, boolean deep) throws StoreException {
        DataRoot store = DataRootReader.read(root);
        if (!deep) {
            return new Checker(null).check(store, Checker.Options.shallow());
        }
        return new Checker(new TarSplitContentVerifier(store.root()))
                .check(store, new Checker.Options(true, Optional.empty(), 2, ContentVerifier.Progress.NONE));
    }

    /** Asserts the summary counts. */
    public static void summary(Report r, int[] images, int[] layers, int[] containers, int errors, int warnings, int infos) {
        Summary s = r.summary();
        assertEquals(List.of(images[0], images[1], images[2], layers[0], layers[1], layers[2], containers[0], containers[1],
                        containers[2], errors, warnings, infos),
                List.of(s.images().checked(), s.images().healthy(), s.images().damaged(), s.layers().checked(),
                        s.layers().healthy(), s.layers().damaged(), s.containers().checked(), s.containers().healthy(),
                        s.containers().damaged(), s.errors(), s.warnings(), s.infos()),
                "summary " + s + "\n" + describe(r));
    }

    public static int[] c(int checked, int healthy, int damaged) {
        return new int[] {checked, healthy, damaged};
    }
}
