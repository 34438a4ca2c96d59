package dev.dockfsck.model.tarsplit;

import java.io.IOException;

/**
 * A layer tar that cannot be packed: cut off, not a tar, a header Go's {@code archive/tar}
 * refuses, or an entry dockerd would refuse to load (a duplicate path, a name or hard-link target
 * with a {@code ..} component, a sparse file, an empty name). The message says what and where.
 * I/O errors of the stream being read, and exceptions thrown by an entry handler, are not
 * wrapped in this.
 */
public final class LayerTarException extends IOException {
    private static final long serialVersionUID = 1L;

    public LayerTarException(String message) {
        super(message);
    }

    public LayerTarException(String message, Throwable cause) {
        super(message, cause);
    }
}
