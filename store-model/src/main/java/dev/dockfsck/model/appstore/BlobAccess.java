package dev.dockfsck.model.appstore;

import dev.dockfsck.model.Parsed;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/** Read access to the blobs of one store form. Never reads outside the store. */
interface BlobAccess extends Closeable {
    /** Why a blob cannot be used, found without reading it (missing, link, wrong size). */
    record Problem(AppStoreFinding.Code code, String path, String detail) {
    }

    /** Existence, type and size of the blob; empty when it looks usable. */
    Optional<Problem> check(BlobRef ref);

    /** The raw bytes of a small blob (manifest, config), unverified; at most {@code max} bytes. */
    Parsed<byte[]> readAll(BlobRef ref, long max);

    /** The raw bytes, unverified; fails with {@link BlobProblemException} when {@link #check} would. */
    InputStream openRaw(BlobRef ref) throws IOException;

    /** The blob's path relative to the store, for messages. */
    String pathOf(BlobRef ref);

    @Override
    default void close() throws IOException {
    }

    /** An IOException that carries the {@link Problem}. */
    final class BlobProblemException extends IOException {
        private final Problem problem;

        BlobProblemException(Problem problem) {
            super(problem.detail());
            this.problem = problem;
        }

        Problem problem() {
            return problem;
        }
    }
}
