package dev.dockfsck.checker.deep;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One damaged file of a layer.
 *
 * @param name         the name as recorded in the tar-split, for people (non-UTF-8 bytes as {@code \xNN})
 * @param kind         how it is damaged
 * @param expectedSize the size the tar-split records
 * @param actualSize   the size of what is on disk; -1 when there is no regular file to measure
 * @param detail       a short explanation ("a symbolic link to ../x", "parent usr/lib is a symlink"), may be empty
 * @param entryIndex   the index of the file's tar-split entry (tar order)
 */
public record DamagedFile(String name, DamageKind kind, long expectedSize, long actualSize, String detail,
                          long entryIndex, String expectedType, Map<String, Object> fields) {
    public DamagedFile {
        detail = detail == null ? "" : detail;
        expectedType = expectedType == null ? "" : expectedType;
        fields = fields == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** A damaged entry, without further fields. */
    public DamagedFile(String name, DamageKind kind, long expectedSize, long actualSize, String detail,
                       long entryIndex, String expectedType) {
        this(name, kind, expectedSize, actualSize, detail, entryIndex, expectedType, null);
    }

    /** A damaged file with content (its expected type is a regular file with data). */
    public DamagedFile(String name, DamageKind kind, long expectedSize, long actualSize, String detail, long entryIndex) {
        this(name, kind, expectedSize, actualSize, detail, entryIndex, "");
    }

    /** The evidence form: {@code {name, kind, expected_size, actual_size[, detail]}}. */
    public Map<String, Object> toEvidence() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("kind", kind.label());
        m.put("expected_size", expectedSize);
        m.put("actual_size", actualSize);
        if (!detail.isEmpty()) {
            m.put("detail", detail);
        }
        return m;
    }

    /**
     * The evidence form of an entry without content: {@code {name, kind, expected, detail}}, where
     * expected is {@code directory, symlink, hardlink, empty_file} or {@code fifo} (and, for kind
     * {@code metadata}, also {@code file, char_device, block_device, whiteout}); kind {@code metadata}
     * adds {@code field, expected_value, actual_value} (and {@code xattr}): see {@link LayerVerifier}.
     */
    public Map<String, Object> toEntryEvidence() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("kind", kind.label());
        m.put("expected", expectedType);
        m.put("detail", detail);
        m.putAll(fields);
        return m;
    }

    /** "etc/ld.so.conf.d: missing (expected a directory)". */
    public String toEntryString() {
        return name + ": " + kind.label() + " (" + detail + ")";
    }

    @Override
    public String toString() {
        return name + ": " + kind.label()
                + (kind == DamageKind.WRONG_SIZE ? " (expected " + expectedSize + " bytes, found " + actualSize + ")" : "")
                + (detail.isEmpty() ? "" : " (" + detail + ")");
    }
}
