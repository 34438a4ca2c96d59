package dev.dockfsck.faults.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FolderTest {
    static final String R = "/var/lib/docker";

    @Test
    void joinsSplitCallsTracksPositionsAndFollowsADirectoryRenameToTheInode() {
        List<String> log = List.of(
                "10 mkdirat(AT_FDCWD</>, \"/var/lib/docker/image/overlay2/layerdb/tmp/write-set-1\", 0700) = 0",
                "10 openat(AT_FDCWD</>, \"/var/lib/docker/image/overlay2/layerdb/tmp/write-set-1/size\", O_RDWR|O_CREAT|O_TRUNC|O_CLOEXEC, 0644 <unfinished ...>",
                "11 write(1<pipe:[5]>, \"x\", 1) = 1",
                "10 <... openat resumed>) = 7</var/lib/docker/image/overlay2/layerdb/tmp/write-set-1/size>",
                "10 write(7</var/lib/docker/image/overlay2/layerdb/tmp/write-set-1/size>, \"12\", 2) = 2",
                "10 write(7</var/lib/docker/image/overlay2/layerdb/tmp/write-set-1/size>, \"34\", 2) = 2",
                "10 pwrite64(7</var/lib/docker/image/overlay2/layerdb/tmp/write-set-1/size>, \"9\", 1, 0) = 1",
                "10 fsync(7</var/lib/docker/image/overlay2/layerdb/tmp/write-set-1/size>) = 0",
                "10 unlinkat(AT_FDCWD</>, \"/var/lib/docker/nothere\", 0) = -1 ENOENT (No such file or directory)",
                "10 renameat(AT_FDCWD</>, \"/var/lib/docker/image/overlay2/layerdb/tmp/write-set-1\", AT_FDCWD</>, \"/var/lib/docker/image/overlay2/layerdb/sha256/abc\") = 0",
                "10 symlinkat(\"../x/diff\", AT_FDCWD</var/lib/docker/overlay2/l>, \"ABC\") = 0",
                "10 mknodat(AT_FDCWD</>, \"/var/lib/docker/overlay2/x/diff/wh\", S_IFCHR|000, makedev(0, 0)) = 0",
                "10 openat(AT_FDCWD</>, \"/etc/hosts\", O_RDONLY) = 3</etc/hosts>");
        Folder f = new Folder(R, 022);
        StraceParser.parse(log).forEach(f::accept);
        List<FsOp> ops = f.ops();
        assertEquals(new FsOp.Mkdir("image/overlay2/layerdb/tmp/write-set-1", 0700), ops.get(0));
        assertEquals(new FsOp.Create("image/overlay2/layerdb/tmp/write-set-1/size", 0644, 1), ops.get(1));
        assertTrue(ops.get(2) instanceof FsOp.Truncate t && t.length() == 0);
        assertEquals(new FsOp.Write("image/overlay2/layerdb/tmp/write-set-1/size", 0, 2, 1), ops.get(3));
        assertEquals(new FsOp.Write("image/overlay2/layerdb/tmp/write-set-1/size", 2, 2, 1), ops.get(4));
        assertEquals(new FsOp.Write("image/overlay2/layerdb/tmp/write-set-1/size", 0, 1, 1), ops.get(5));
        assertEquals(new FsOp.Sync("image/overlay2/layerdb/tmp/write-set-1/size", FsOp.Sync.Kind.FSYNC, 1), ops.get(6));
        assertEquals(new FsOp.Rename("image/overlay2/layerdb/tmp/write-set-1", "image/overlay2/layerdb/sha256/abc"), ops.get(7));
        assertEquals(new FsOp.Symlink("../x/diff", "overlay2/l/ABC"), ops.get(8));
        assertEquals(new FsOp.Mknod("overlay2/x/diff/wh", 0020000, 0, 0), ops.get(9));
        assertEquals(10, ops.size(), ops.toString());
        // the size file's inode is now under the renamed dir: its bytes are read there
        assertEquals(List.of("image/overlay2/layerdb/sha256/abc/size"), f.finalNames().get(1));
    }

    @Test
    void pathsOfAPivotedUntarChildAreUnderItsNewRoot() {
        List<String> log = List.of(
                "20 clone(child_stack=NULL, flags=SIGCHLD) = 21",
                "21 execve(\"/proc/self/exe\", [\"docker-untar\", \"/\", \"/var/lib/docker/overlay2/x/diff\"], 0x1 /* 3 vars */) = 0",
                "21 pivot_root(\"/var/lib/docker/overlay2/x/diff\", \"/var/lib/docker/overlay2/x/diff/.pivot_root1\") = 0",
                "21 clone(child_stack=0x1, flags=CLONE_VM|CLONE_THREAD) = 22",
                "22 openat(AT_FDCWD</>, \"/bin/sh\", O_WRONLY|O_CREAT, 0755) = 5</bin/sh>",
                "22 write(5</bin/sh>, \"/abs\", 4) = 4",
                "22 symlinkat(\"/etc/motd\", AT_FDCWD</>, \"/motd\") = 0",
                "20 openat(AT_FDCWD</>, \"/var/lib/docker/y\", O_WRONLY|O_CREAT, 0600) = 6</var/lib/docker/y>");
        List<FsOp> ops = Folder.fold(R, 0, ChrootPaths.rewrite(StraceParser.parse(log), R));
        assertEquals(List.of(new FsOp.Create("overlay2/x/diff/bin/sh", 0755, 1), new FsOp.Write("overlay2/x/diff/bin/sh", 0, 4, 1),
                new FsOp.Symlink("/etc/motd", "overlay2/x/diff/motd"), new FsOp.Create("y", 0600, 3)), ops);
    }
}
