package dev.dockfsck.checker;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One problem found in the store.
 *
 * @param code        stable code; its meaning and consequence are documented in docs/findings.md
 * @param severity    error, warning or info
 * @param subject     the object the finding is about
 * @param path        the file or directory that shows the problem, relative to the data root
 * @param message     one line for a person: what is wrong
 * @param evidence    the facts behind it (expected and actual values, sizes, names)
 * @param consequence what the user sees because of it (dockerd's own error where there is one)
 * @param affects     the images and containers made unusable, computed through the layer chain
 */
public record Finding(FindingCode code, Severity severity, Subject subject, String path, String message,
                      Map<String, Object> evidence, String consequence, List<Subject> affects) {
    public Finding {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(subject, "subject");
        path = path == null ? "" : path;
        message = Objects.requireNonNull(message, "message");
        evidence = Collections.unmodifiableMap(new LinkedHashMap<>(evidence));
        consequence = consequence == null ? code.consequence() : consequence;
        affects = List.copyOf(affects);
    }

    /** A finding with the code's default severity and consequence and no affects yet. */
    public static Finding of(FindingCode code, Subject subject, String path, String message, Map<String, Object> evidence) {
        return new Finding(code, code.severity(), subject, path, message, evidence, code.consequence(), List.of());
    }

    /**
     * Whether this damage reaches only what dockerd creates on its layer from now on
     * ({@link FindingCode.Reach#CREATED_ON_IT} on a layer), not what already stands on it.
     */
    public boolean spoilsOnlyWhatIsCreatedOnIt() {
        return code.reach() == FindingCode.Reach.CREATED_ON_IT && subject.kind() == Subject.Kind.LAYER;
    }

    public Finding withAffects(List<Subject> newAffects) {
        return new Finding(code, severity, subject, path, message, evidence, consequence, newAffects);
    }

    public Finding withSeverity(Severity s) {
        return new Finding(code, s, subject, path, message, evidence, consequence, affects);
    }
}
