package dev.dockfsck.repair.apply;

import dev.dockfsck.model.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Where intact copies of layers come from when repair heals content in place: the restorable
 * app store. Read-only.
 */
public interface LayerBlobSource {
    /** The app store behind this source, for the checks that need its names (none by default). */
    default Optional<dev.dockfsck.model.appstore.AppStore> appStore() {
        return Optional.empty();
    }

    /** A description of the source for messages and the journal (its path). */
    String location();

    /** The app-store blob holding the layer with this diffID, if there is one that is not known bad. */
    Optional<String> blobFor(Digest diffId);

    /**
     * The uncompressed layer tar with this diffID. Reading it to the end throws an
     * {@link IOException} when the bytes do not hash to {@code diffId}: callers must read to EOF
     * before trusting anything they took from it.
     */
    InputStream openLayer(Digest diffId) throws IOException;
}
