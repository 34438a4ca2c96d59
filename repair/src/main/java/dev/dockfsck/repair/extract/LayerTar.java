package dev.dockfsck.repair.extract;

import dev.dockfsck.model.tarsplit.TarHeader;
import dev.dockfsck.model.tarsplit.TarSplitPacker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Reads a layer tar once, as dockerd does while it registers a layer: the tar-split is packed
 * ({@link TarSplitPacker}, byte-exact Go tar semantics, PAX xattrs as bytes) and every entry is
 * handed on as an {@link EntryHeader} with its content. PAX global headers carry no entry.
 */
public final class LayerTar {
    /** Sees each entry and its content (valid only during the call). */
    @FunctionalInterface
    public interface Handler {
        void entry(EntryHeader header, InputStream content) throws IOException;
    }

    private LayerTar() {
    }

    /**
     * Reads the whole stream (so a verifying source checks its digest), packs its tar-split into
     * {@code tarSplitJsonGz} and returns the packer's result (DiffID, length).
     */
    public static TarSplitPacker.Result read(InputStream layer, OutputStream tarSplitJsonGz, Handler handler)
            throws IOException {
        return TarSplitPacker.pack(layer, tarSplitJsonGz, (hdr, content) -> {
            EntryHeader.Type t = type(hdr);
            if (t != null) {
                handler.entry(header(hdr, t), content);
            }
        });
    }

    private static EntryHeader.Type type(TarHeader h) throws IOException {
        return switch (h.typeflag()) {
            case TarHeader.TYPE_REG, TarHeader.TYPE_REGA, TarHeader.TYPE_CONT -> EntryHeader.Type.REGULAR;
            case TarHeader.TYPE_LINK -> EntryHeader.Type.HARDLINK;
            case TarHeader.TYPE_SYMLINK -> EntryHeader.Type.SYMLINK;
            case TarHeader.TYPE_CHAR -> EntryHeader.Type.CHAR;
            case TarHeader.TYPE_BLOCK -> EntryHeader.Type.BLOCK;
            case TarHeader.TYPE_DIR -> EntryHeader.Type.DIRECTORY;
            case TarHeader.TYPE_FIFO -> EntryHeader.Type.FIFO;
            case TarHeader.TYPE_XGLOBAL -> null;
            default -> throw new IOException("layer entry \"" + h.name() + "\": tar type '" + (char) h.typeflag()
                    + "' is not extracted by dockerd either");
        };
    }

    /** The extraction view of a tar header. */
    public static EntryHeader header(TarHeader h, EntryHeader.Type t) {
        return new EntryHeader(t, h.nameBytes(), h.linknameBytes(), (int) (h.mode() & 07777), (int) h.uid(), (int) h.gid(),
                h.mtimeSeconds(), h.mtimeNanos(), h.atimeSeconds(), h.atimeNanos(), h.hasAtime(), h.devMajor(),
                h.devMinor(), h.xattrs());
    }
}
