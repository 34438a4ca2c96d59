package dev.dockfsck.checker;

import java.util.Comparator;
import java.util.Objects;

/**
 * What a finding is about: a layer (by chainID), an image (by image ID), a container (by id),
 * a reference (by its name, e.g. {@code busybox:latest}), or a bare path below the root.
 */
public record Subject(Kind kind, String id) implements Comparable<Subject> {
    public enum Kind {
        LAYER, IMAGE, CONTAINER, REFERENCE, PATH;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static final Comparator<Subject> ORDER = Comparator.comparing(Subject::kind).thenComparing(Subject::id);

    public Subject {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
    }

    public static Subject layer(dev.dockfsck.model.Digest chainId) {
        return new Subject(Kind.LAYER, chainId.toString());
    }

    public static Subject image(dev.dockfsck.model.Digest imageId) {
        return new Subject(Kind.IMAGE, imageId.toString());
    }

    public static Subject container(String id) {
        return new Subject(Kind.CONTAINER, id);
    }

    public static Subject reference(String ref) {
        return new Subject(Kind.REFERENCE, ref);
    }

    public static Subject path(String relativePath) {
        return new Subject(Kind.PATH, relativePath);
    }

    @Override
    public int compareTo(Subject o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return kind.label() + " " + id;
    }
}
