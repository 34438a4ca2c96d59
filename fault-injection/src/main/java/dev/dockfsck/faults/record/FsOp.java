package dev.dockfsck.faults.record;

/**
 * One logical file-system operation under a data root (paths relative to it), folded from the
 * system calls that made it. {@link Write} names its content by inode: the bytes are read from
 * where that inode ends up (the after-snapshot), or from the loaded archive for a member of
 * {@code tmp/docker-import-*}, else zeros (see {@link Recording#content}).
 */
public sealed interface FsOp {
    /** true for the ops that change names or metadata (ordered, persisted in order up to a crash point) */
    default boolean metadata() {
        return !(this instanceof Write) && !(this instanceof Sync);
    }

    /** the path the op acts on (the new name for a rename or link) */
    String path();

    record Create(String path, int mode, int inode) implements FsOp {
    }

    /**
     * {@code data}: the bytes the call wrote, as strace printed them (null when it could not: a
     * {@code sendfile}, a payload longer than the log keeps); then they are read where the inode
     * ends up ({@link Recording#content}).
     */
    record Write(String path, long offset, long length, int inode, byte[] data) implements FsOp {
        public Write {
            if (data != null && data.length != length) {
                throw new IllegalArgumentException("a write of " + length + " bytes with " + data.length + " recorded");
            }
        }

        public Write(String path, long offset, long length, int inode) {
            this(path, offset, length, inode, null);
        }

        /** the first {@code n} bytes of this write (a write cut by a crash) */
        public Write prefix(long n) {
            return new Write(path, offset, n, inode, data == null ? null : java.util.Arrays.copyOf(data, (int) n));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Write w && w.path.equals(path) && w.offset == offset && w.length == length && w.inode == inode
                    && java.util.Arrays.equals(w.data, data);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(path, offset, length, inode) * 31 + java.util.Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Write[path=" + path + ", offset=" + offset + ", length=" + length + ", inode=" + inode
                    + (data == null ? ", data from after" : ", data recorded") + "]";
        }
    }

    record Truncate(String path, long length, int inode) implements FsOp {
    }

    record Rename(String from, String path) implements FsOp {
    }

    record Link(String from, String path) implements FsOp {
    }

    record Unlink(String path) implements FsOp {
    }

    record Mkdir(String path, int mode) implements FsOp {
    }

    record Rmdir(String path) implements FsOp {
    }

    record Symlink(String target, String path) implements FsOp {
    }

    /** a device node or FIFO; {@code mode} holds the S_IF* type bits */
    record Mknod(String path, int mode, long major, long minor) implements FsOp {
    }

    record SetXattr(String path, String name, byte[] value) implements FsOp {
    }

    record Chmod(String path, int mode) implements FsOp {
    }

    record Chown(String path, int uid, int gid) implements FsOp {
    }

    /** fsync (data and metadata of the file), fdatasync ({@code dataOnly}), or syncfs (path "") */
    record Sync(String path, Kind kind, int inode) implements FsOp {
        public enum Kind { FSYNC, FDATASYNC, SYNCFS }
    }
}
