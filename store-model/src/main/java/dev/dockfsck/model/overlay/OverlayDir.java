package dev.dockfsck.model.overlay;

import dev.dockfsck.model.Parsed;
import dev.dockfsck.model.fs.FileKind;
import java.nio.file.Path;
import java.util.List;

/**
 * One {@code overlay2/<id>/} directory: a layer's cache dir, or a container's RW or init dir.
 *
 * @param link      {@code link}: the 26-character short id of its {@code l/} symlink
 * @param lower     {@code lower}: {@code l/<id>} entries, uppermost first; missing for a base layer
 * @param diff      what {@code diff/} is (DIRECTORY when healthy)
 * @param work      whether {@code work/} is a directory
 * @param committed whether the {@code committed} marker exists
 */
public record OverlayDir(String id, Path dir, FileKind diff, Parsed<String> link, Parsed<List<String>> lower,
                         boolean work, boolean committed) {
    public static final String DIFF = "diff";
    public static final String LINK = "link";
    public static final String LOWER = "lower";
    public static final String WORK = "work";
    public static final String COMMITTED = "committed";
    public static final String MERGED = "merged";
    public static final String INIT_SUFFIX = "-init";

    public Path diffDir() {
        return dir.resolve(DIFF);
    }
}
