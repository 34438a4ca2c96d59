package dev.dockfsck.faults.catalogue;

/** How a fault changes its target. */
public enum Mutation {
    /** a regular file cut to 0 bytes */
    EMPTY("emptied"),
    /** a regular file cut at half its size */
    TRUNCATE_HALF("cut at half its size"),
    /** a regular file cut at the last 4 KiB boundary below its size (a lost page) */
    TRUNCATE_4K("cut at a 4 KiB boundary"),
    /** a file or symbolic link deleted */
    DELETE("deleted"),
    /** 16 bytes in the middle (all of a smaller file) XOR 0x5A, the size kept */
    GARBLE("16 bytes garbled, size kept"),
    /** a directory removed with everything in it (symbolic links not followed) */
    REMOVE_DIR("directory removed"),
    /** a symbolic link pointing at a directory that does not exist */
    DANGLING_SYMLINK("pointed at a missing directory"),
    /** a new overlay2 dir with half of a layer's files, never registered (extraction cut off) */
    HALF_EXTRACTED_DIR("half-extracted copy made beside it"),
    /** a layerdb/tmp/write-set-N holding a copy of a layer's files (registration cut off) */
    STALE_WRITE_SET("stale write-set made of it"),
    /** a layerdb dir renamed to {@code <hex>-<rand>-removing} (removal cut off) */
    INTERRUPTED_REMOVAL("renamed to *-removing");

    private final String what;

    Mutation(String what) {
        this.what = what;
    }

    public String what() {
        return what;
    }

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
