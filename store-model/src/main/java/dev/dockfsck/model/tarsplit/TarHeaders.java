package dev.dockfsck.model.tarsplit;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Reads the tar header of one entry from the raw bytes a tar-split records before it: the header
 * blocks (PAX and GNU long-name records first, then the ustar header), with Go's tar semantics
 * ({@link GoTarReader}): names, link names and PAX xattr values as exact bytes.
 */
public final class TarHeaders {
    private TarHeaders() {
    }

    /**
     * The entry whose header blocks are {@code raw[from..]} (the raw segments since the previous
     * file entry, after that file's padding to 512 bytes).
     *
     * @throws LayerTarException when the bytes are no tar header
     */
    public static TarHeader parse(byte[] raw, int from, int length) throws IOException {
        TarHeader h = new GoTarReader(new ByteArrayInputStream(raw, from, length), false).next();
        if (h == null) {
            throw new LayerTarException("no tar header in the " + length + " bytes recorded before the entry");
        }
        return h;
    }

    /** The padding the previous file entry of {@code previousSize} bytes leaves before the next header. */
    public static int padding(long previousSize) {
        return (int) ((512 - previousSize % 512) % 512);
    }
}
