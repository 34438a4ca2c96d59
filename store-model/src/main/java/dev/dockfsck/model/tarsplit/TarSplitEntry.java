package dev.dockfsck.model.tarsplit;

import java.util.Arrays;

/**
 * One tar-split entry, copied out of a {@link TarSplitReader} (tests and tools; the verifier's
 * hot loop uses the reader's cursor instead).
 *
 * @param type      {@link TarSplitReader#TYPE_FILE} or {@link TarSplitReader#TYPE_SEGMENT}
 * @param nameBytes the file name's bytes (empty for segments)
 * @param nameRaw   whether the name came from {@code name_raw}
 * @param size      the file size (0 for segments)
 * @param payload   a segment's bytes, or a file's 8-byte CRC-64 (empty when none)
 * @param position  the entry's {@code position}
 */
public record TarSplitEntry(int type, byte[] nameBytes, boolean nameRaw, long size, byte[] payload, long position) {
    public boolean isFile() {
        return type == TarSplitReader.TYPE_FILE;
    }

    public String displayName() {
        return TarSplitNames.display(nameBytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TarSplitEntry e && e.type == type && Arrays.equals(e.nameBytes, nameBytes)
                && e.nameRaw == nameRaw && e.size == size && Arrays.equals(e.payload, payload) && e.position == position;
    }

    @Override
    public int hashCode() {
        return (type * 31 + Arrays.hashCode(nameBytes)) * 31 + Long.hashCode(size);
    }

    @Override
    public String toString() {
        return (isFile() ? "file " + displayName() + " size " + size : "segment of " + payload.length + " bytes")
                + " @" + position;
    }
}
