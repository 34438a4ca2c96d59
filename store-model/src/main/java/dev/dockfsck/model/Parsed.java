package dev.dockfsck.model;

import java.util.Optional;
import java.util.function.Function;

/**
 * The outcome of reading one file of the store: its value, or the {@link Defect} that kept it
 * from being read. Never an exception.
 */
public sealed interface Parsed<T> {
    record Ok<T>(T value) implements Parsed<T> {
    }

    record Bad<T>(Defect defect) implements Parsed<T> {
    }

    static <T> Parsed<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> Parsed<T> bad(Defect defect) {
        return new Bad<>(defect);
    }

    default boolean isOk() {
        return this instanceof Ok;
    }

    /** True when the file simply does not exist (as opposed to existing and being broken). */
    default boolean isMissing() {
        return this instanceof Bad<T> b && b.defect().kind() == Defect.Kind.MISSING;
    }

    default Optional<T> optional() {
        return this instanceof Ok<T> ok ? Optional.ofNullable(ok.value()) : Optional.empty();
    }

    default Optional<Defect> failure() {
        return this instanceof Bad<T> b ? Optional.of(b.defect()) : Optional.empty();
    }

    default <R> Parsed<R> map(Function<? super T, Parsed<R>> f) {
        if (this instanceof Ok<T> ok) {
            return f.apply(ok.value());
        }
        return new Bad<>(((Bad<T>) this).defect());
    }
}
