package dev.dockfsck.model.store;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.fs.DirEntry;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.fs.StoreFiles;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code tmp/docker-import-*}: where {@code docker load} unpacks the whole archive before it
 * registers the layers and writes the config, removed only when the load ends. Its files name
 * the image being loaded: a docker-save or skopeo docker-archive holds the config as
 * {@code <hex>.json} (skopeo's layers as {@code <diffID hex>.tar}, before the config), an OCI
 * layout as {@code blobs/sha256/<hex>}. Read without following links,
 * a few levels deep and a bounded number of entries (it is debris, possibly hostile).
 */
public final class ImportTmp {
    /** Directory levels below the import dir that are looked at. */
    static final int MAX_DEPTH = 3;
    /** Entries looked at, at most. */
    static final int MAX_ENTRIES = 10_000;

    private ImportTmp() {
    }

    /**
     * The sha256 digests the dir's regular files are named by ({@code <hex>.json} and
     * {@code <hex>.tar} anywhere in reach, {@code <hex>} under {@code blobs/sha256/}): the config,
     * layer diffID and blob digests of the archive being loaded. Empty when the dir cannot be read.
     */
    public static Set<Digest> namedDigests(Path dir) {
        Set<Digest> out = new TreeSet<>();
        Deque<Level> todo = new ArrayDeque<>();
        todo.add(new Level(dir, 0, ""));
        int seen = 0;
        while (!todo.isEmpty() && seen < MAX_ENTRIES) {
            Level next = todo.poll();
            int depth = next.depth();
            String rel = next.rel();
            List<DirEntry> entries = StoreFiles.list(next.dir()).optional().orElse(List.of());
            for (DirEntry e : entries) {
                if (++seen > MAX_ENTRIES) {
                    break;
                }
                String name = e.name();
                if (e.kind() == FileKind.DIRECTORY && depth < MAX_DEPTH) {
                    todo.add(new Level(e.path(), depth + 1, rel + name + "/"));
                } else if (e.kind() == FileKind.REGULAR) {
                    String hex = name.endsWith(".json") || name.endsWith(".tar") ? name.substring(0, name.lastIndexOf('.'))
                            : rel.endsWith("blobs/sha256/") ? name : null;
                    if (hex != null) {
                        Digest.tryOfHex(hex).ifPresent(out::add);
                    }
                }
            }
        }
        return out;
    }

    /** A directory to list: its depth below the import dir and its path relative to it ("/"-terminated). */
    private record Level(Path dir, int depth, String rel) {
    }
}
