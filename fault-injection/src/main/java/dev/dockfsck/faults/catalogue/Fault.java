package dev.dockfsck.faults.catalogue;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One fault of the catalogue: a stable id ({@code <target kind>.<mutation>}), what it is aimed at
 * and how it changes it. {@code damages}: whether it hurts the store (so that {@code check} must
 * find it), but for the targets {@code harmless} names, each with why.
 */
public record Fault(String id, TargetKind kind, Mutation mutation, boolean damages, String description,
                    List<Harmless> harmless) {
    /** Targets (matched on the path relative to the root) this fault does not damage, and why. */
    public record Harmless(Pattern path, String why) {
    }

    public Fault {
        harmless = List.copyOf(harmless);
    }

    public TargetClass targetClass() {
        return kind.targetClass();
    }

    /** Why the fault does not damage {@code target}, when it does not. */
    public Optional<String> harmlessAt(String target) {
        if (!damages) {
            return Optional.of("dockerd does without " + kind.id() + " files");
        }
        return harmless.stream().filter(h -> h.path().matcher(target).matches()).map(Harmless::why).findFirst();
    }

    public boolean damagesAt(String target) {
        return harmlessAt(target).isEmpty();
    }
}
