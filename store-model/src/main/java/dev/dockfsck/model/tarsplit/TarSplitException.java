package dev.dockfsck.model.tarsplit;

import java.util.Locale;

/**
 * A {@code tar-split.json.gz} that cannot be read to its end. Every kind of damage (a cut or
 * garbled gzip stream, JSON that is cut off or not JSON, a field of the wrong type, a negative
 * size, bad base64, an entry dockerd never writes) is one of these, with where it was found.
 */
public final class TarSplitException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What is wrong. */
    public enum Kind {
        /** The file cannot be opened or read (missing, a symlink, permission, I/O error). */
        UNREADABLE,
        /** Not a gzip stream at all (bad magic or header), or empty. */
        NOT_GZIP,
        /** The gzip stream ends before its end (power cut, truncated copy). */
        GZIP_TRUNCATED,
        /** The gzip stream is damaged (bad deflate data, CRC-32 or length trailer). */
        GZIP_CORRUPT,
        /** The JSON ends in the middle of an entry. */
        JSON_TRUNCATED,
        /** Not JSON, or not a JSON object where an entry is expected. */
        JSON_MALFORMED,
        /** A field has the wrong JSON type (e.g. a string size, a fractional number). */
        WRONG_TYPE,
        /** An entry whose {@code type} is neither 1 (file) nor 2 (segment). */
        BAD_ENTRY_TYPE,
        /** A negative {@code size}. */
        NEGATIVE_SIZE,
        /** A {@code payload} or {@code name_raw} that is not valid base64. */
        BAD_BASE64,
        /** A file entry with no name. */
        MISSING_NAME,
        /** A file entry of size &gt; 0 whose payload is not an 8-byte CRC-64. */
        BAD_CHECKSUM,
        /** Two file entries for the same path: tar-split (and so dockerd) refuses to assemble it. */
        DUPLICATE_NAME,
        /** A value beyond the reader's limits (an absurdly long string or number). */
        TOO_LARGE;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Kind kind;
    private final long entryIndex;
    private final long line;
    private final long byteOffset;
    private final String detail;

    /**
     * @param entryIndex the 0-based index of the entry being read when the damage was found
     *                   (= the number of entries read whole before it)
     * @param line       1-based line of the uncompressed JSON, or -1 when unknown
     * @param byteOffset byte offset in the uncompressed JSON, or -1 when unknown
     */
    public TarSplitException(Kind kind, long entryIndex, long line, long byteOffset, String detail, Throwable cause) {
        super(kind.label() + " at entry " + entryIndex
                + (line >= 0 ? " (line " + line + (byteOffset >= 0 ? ", byte " + byteOffset : "") + ")" : "")
                + (detail == null || detail.isEmpty() ? "" : ": " + detail), cause);
        this.kind = kind;
        this.entryIndex = entryIndex;
        this.line = line;
        this.byteOffset = byteOffset;
        this.detail = detail == null ? "" : detail;
    }

    public Kind kind() {
        return kind;
    }

    /** The 0-based index of the entry where reading stopped (the number of entries read whole). */
    public long entryIndex() {
        return entryIndex;
    }

    /** 1-based line of the uncompressed stream, -1 when unknown. */
    public long line() {
        return line;
    }

    /** Byte offset in the uncompressed stream, -1 when unknown. */
    public long byteOffset() {
        return byteOffset;
    }

    public String detail() {
        return detail;
    }
}
