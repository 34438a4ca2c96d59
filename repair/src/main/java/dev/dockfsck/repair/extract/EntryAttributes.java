package dev.dockfsck.repair.extract;

import dev.dockfsck.model.fs.Posix;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * An entry's metadata from its tar header, applied as dockerd's {@code createTarFile} does and in
 * its order: owner (lchown; this clears set-id bits and file capabilities, so it comes first), the
 * PAX xattrs (a file system that refuses one is skipped, as dockerd does), then the mode with its
 * set-id and sticky bits (never on a symbolic link: there is no lchmod), then times without
 * following a link, atime never before mtime. Used for extraction and to heal metadata in place.
 */
public final class EntryAttributes {
    private EntryAttributes() {
    }

    /** Owner, xattrs and mode (times are separate: directories get theirs last). */
    public static void apply(Path p, EntryHeader h) throws IOException {
        Posix.lchown(p, h.uid(), h.gid());
        for (Map.Entry<String, byte[]> x : h.xattrs().entrySet()) {
            try {
                Posix.setXattr(p, x.getKey(), x.getValue());
            } catch (FileSystemException e) {
                if (!DiffWriter.skippable(e)) {
                    throw e;
                }
            }
        }
        if (!Files.isSymbolicLink(p)) {
            Posix.chmod(p, h.mode() & 07777);
        }
    }

    /** mtime from the header, atime from it too but never before the mtime; no link followed. */
    public static void times(Path p, EntryHeader h) throws IOException {
        long as = h.mtimeSeconds();
        int an = h.mtimeNanos();
        if (h.hasAtime() && (h.atimeSeconds() > as || h.atimeSeconds() == as && h.atimeNanos() > an)) {
            as = h.atimeSeconds();
            an = h.atimeNanos();
        }
        Posix.setTimes(p, as, an, h.mtimeSeconds(), h.mtimeNanos());
    }
}
