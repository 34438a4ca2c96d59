package dev.dockfsck.repair.plan;

import dev.dockfsck.repair.apply.RootedFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Recreates lost entries without content (directories, symbolic links, hard links, empty files)
 * in a layer's diff/ from their tar headers, as dockerd's extraction made them: owner, mode and
 * mtime and extended attributes as recorded (no mode on links), directories' mtimes last. Shared by the two heals: from
 * the app store's tar ({@link HealLayerFiles}) and from the layer's own tar-split
 * ({@link RecreateEntries}).
 */
final class LostEntries {
    static final String TEMP_PREFIX = ".dockfsck-heal-";

    private LostEntries() {
    }

    /** Whether an entry is of a kind this class can make. */
    static boolean makeable(TarArchiveEntry e) {
        return e.isDirectory() || e.isSymbolicLink() || e.isLink() || (e.isFile() && e.getSize() == 0);
    }

    /**
     * Recreates lost entries without content as the tar records them, parents first; directories
     * get their mtime last (their children change it). Idempotent: what a first run already made
     * is kept or replaced atomically.
     */
    static void recreate(RootedFs fs, String diffDir, Map<String, TarArchiveEntry> entryMeta) throws IOException {
        List<Map.Entry<Path, TarArchiveEntry>> dirs = new ArrayList<>();
        for (Map.Entry<String, TarArchiveEntry> en : entryMeta.entrySet()) {
            Path target = fs.resolve(diffDir + "/" + en.getKey());
            TarArchiveEntry e = en.getValue();
            Files.createDirectories(target.getParent());
            if (e.isDirectory()) {
                if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(target);
                }
                setOwnerAndMode(target, e, true);
                dirs.add(Map.entry(target, e));
            } else if (e.isSymbolicLink()) {
                Path tmp = target.resolveSibling(TEMP_PREFIX + target.getFileName());
                Files.deleteIfExists(tmp);
                Files.createSymbolicLink(tmp, tmp.getFileSystem().getPath(e.getLinkName()));
                setOwnerAndMode(tmp, e, false);
                Files.getFileAttributeView(tmp, java.nio.file.attribute.BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setTimes(FileTime.from(e.getModTime().toInstant()), null, null);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else if (e.isLink()) {
                Path to = fs.resolve(diffDir + "/" + normalize(e.getLinkName()));
                Path tmp = target.resolveSibling(TEMP_PREFIX + target.getFileName());
                Files.deleteIfExists(tmp);
                Files.createLink(tmp, to);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Path tmp = target.resolveSibling(TEMP_PREFIX + target.getFileName());
                Files.deleteIfExists(tmp);
                Files.createFile(tmp);
                setMetadata(tmp, e);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            RootedFs.fsyncDir(target.getParent());
        }
        for (int i = dirs.size() - 1; i >= 0; i--) {
            Files.setLastModifiedTime(dirs.get(i).getKey(), FileTime.from(dirs.get(i).getValue().getModTime().toInstant()));
            RootedFs.fsyncDir(dirs.get(i).getKey());
        }
    }

    private static void setOwnerAndMode(Path p, TarArchiveEntry e, boolean mode) throws IOException {
        try {
            Files.setAttribute(p, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
            xattrs(p, e);
            if (mode) {
                Files.setAttribute(p, "unix:mode", e.getMode() & 07777, LinkOption.NOFOLLOW_LINKS);
            }
        } catch (UnsupportedOperationException | IllegalArgumentException ex) {
            // a file system without unix attributes (tests on jimfs)
        }
    }

    /**
     * The entry's PAX {@code SCHILY.xattr.*} records, set between owner and mode as dockerd's
     * extraction does (through the libc binding; none without it). A value that is not UTF-8 text
     * is not restorable from the decoded header and is left to the deep check to name.
     */
    private static void xattrs(Path p, TarArchiveEntry e) throws IOException {
        if (!dev.dockfsck.model.fs.Posix.available() || p.getFileSystem() != java.nio.file.FileSystems.getDefault()) {
            return;
        }
        for (Map.Entry<String, String> h : e.getExtraPaxHeaders().entrySet()) {
            if (h.getKey().startsWith("SCHILY.xattr.")) {
                String name = h.getKey().substring("SCHILY.xattr.".length());
                try {
                    dev.dockfsck.model.fs.Posix.setXattr(p, name, h.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                } catch (IOException ex) {
                    if (!e.isSymbolicLink()) {
                        throw ex; // a link may refuse user.* attributes, as dockerd's extraction ignores
                    }
                }
            }
        }
    }

    static void setMetadata(Path p, TarArchiveEntry e) throws IOException {
        setOwnerAndMode(p, e, true);
        Files.setLastModifiedTime(p, FileTime.from(e.getModTime().toInstant()));
    }

    static String normalize(String name) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        while (n.startsWith("/")) {
            n = n.substring(1);
        }
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        return n;
    }
}
