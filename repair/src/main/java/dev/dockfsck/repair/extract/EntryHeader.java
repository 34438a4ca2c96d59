package dev.dockfsck.repair.extract;

import java.util.Map;

/**
 * One layer tar entry as extraction needs it: names as their exact bytes, the mode with its
 * set-id and sticky bits, owner, times, device numbers and PAX {@code SCHILY.xattr.*} values as
 * bytes. Built by the tar reader that feeds a {@link DiffWriter}.
 */
public record EntryHeader(Type type, byte[] name, byte[] linkname, int mode, int uid, int gid, long mtimeSeconds,
                          int mtimeNanos, long atimeSeconds, int atimeNanos, boolean hasAtime, long devMajor,
                          long devMinor, Map<String, byte[]> xattrs) {
    /** The entry types a layer holds (sparse files and foreign types are refused by the reader). */
    public enum Type {
        REGULAR, HARDLINK, SYMLINK, CHAR, BLOCK, DIRECTORY, FIFO
    }

    public EntryHeader {
        name = name.clone();
        linkname = linkname == null ? new byte[0] : linkname.clone();
        xattrs = xattrs == null ? Map.of() : Map.copyOf(xattrs);
    }

    @Override
    public byte[] name() {
        return name.clone();
    }

    @Override
    public byte[] linkname() {
        return linkname.clone();
    }
}
