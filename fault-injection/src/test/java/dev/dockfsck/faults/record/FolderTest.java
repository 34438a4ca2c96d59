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
        assertEquals(new FsOp.Write("image/overlay2/layerdb/tmp/write-set-1/size", 0, 2, 1, b("12")), ops.get(3));
        assertEquals(new FsOp.Write("image/overlay2/layerdb/tmp/write-set-1/size", 2, 2, 1, b("34")), ops.get(4));
        assertEquals(new FsOp.Write("image/overlay2/layerdb/tmp/write-set-1/size", 0, 1, 1, b("9")), ops.get(5));
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
        assertEquals(List.of(new FsOp.Create("overlay2/x/diff/bin/sh", 0755, 1), new FsOp.Write("overlay2/x/diff/bin/sh", 0, 4, 1, b("/abs")),
                new FsOp.Symlink("/etc/motd", "overlay2/x/diff/motd"), new FsOp.Create("y", 0600, 3)), ops);
    }

    static byte[] b(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Test
    void keepsTheBytesOfEveryWriteStracePrintedWholeAndNoneOfACutOne() {
        String db = "/var/lib/docker/containerd/daemon/io.containerd.metadata.v1.bolt/meta.db";
        List<String> log = List.of(
                "30 openat(AT_FDCWD</>, \"" + db + "\", O_RDWR|O_CREAT|O_CLOEXEC, 0644) = 9<" + db + ">",
                "30 pwrite64(9<" + db + ">, \"\\0\\1page\\n\", 7, 4096) = 7",
                "30 pwrite64(9<" + db + ">, \"\\0\\2pa\"..., 70000, 8192) = 70000",
                "30 writev(9<" + db + ">, [{iov_base=\"ab\", iov_len=2}, {iov_base=\"\\x63d\", iov_len=2}], 2) = 4",
                "30 writev(9<" + db + ">, [{iov_base=\"ab\", iov_len=2}, ...], 300) = 600",
                "30 write(9<" + db + ">, \"xyz\", 3) = 2",
                "30 sendfile(9<" + db + ">, 10</x>, NULL, 5) = 5");
        Folder f = new Folder(R, 022);
        StraceParser.parse(log).forEach(f::accept);
        List<FsOp> ops = f.ops();
        String rel = "containerd/daemon/io.containerd.metadata.v1.bolt/meta.db";
        assertEquals(new FsOp.Write(rel, 4096, 7, 1, new byte[] {0, 1, 'p', 'a', 'g', 'e', '\n'}), ops.get(1));
        assertEquals(new FsOp.Write(rel, 8192, 70000, 1), ops.get(2), "cut by strace: read from the after-snapshot");
        assertEquals(new FsOp.Write(rel, 0, 4, 1, b("abcd")), ops.get(3), "writev: the iovecs in order");
        assertEquals(new FsOp.Write(rel, 4, 600, 1), ops.get(4), "not every iovec printed");
        assertEquals(new FsOp.Write(rel, 604, 2, 1, b("xy")), ops.get(5), "a short write wrote what it returned");
        assertEquals(new FsOp.Write(rel, 606, 5, 1), ops.get(6), "sendfile: no bytes in the log");
        assertEquals(2, f.skipped().get("write-payload-cut"));
    }

    @Test
    void writesThroughAMountedContainerLayerLandInItsUpperDirWithTheParentsOverlayfsCopiesUp() {
        String l = R + "/overlay2/abc";
        List<String> log = List.of(
                "40 mkdirat(AT_FDCWD</>, \"" + l + "/merged\", 0700) = 0",
                "40 mount(\"overlay\", \"" + l + "/merged\", \"overlay\", 0, \"index=off,lowerdir=" + R + "/overlay2/l/X,upperdir=" + l
                        + "/diff,workdir=" + l + "/work\") = 0",
                "40 mkdirat(AT_FDCWD</>, \"" + l + "/merged/dev\", 0755) = 0",
                "40 openat(AT_FDCWD</>, \"" + l + "/merged/etc/hosts\", O_RDONLY|O_CREAT|O_CLOEXEC, 0755) = 20<" + l + "/merged/etc/hosts>",
                "40 openat(AT_FDCWD</>, \"" + l + "/merged/etc/passwd\", O_RDONLY|O_CLOEXEC) = 21<" + l + "/merged/etc/passwd>",
                "50 openat(AT_FDCWD</>, \"" + l + "/merged/dev\", O_PATH|O_CLOEXEC) = 6<" + l + "/merged/dev>",
                "50 mount(\"tmpfs\", \"/proc/self/fd/6\", \"tmpfs\", MS_NOSUID, \"mode=755\") = 0",
                "50 mknodat(AT_FDCWD</>, \"" + l + "/merged/dev/null\", S_IFCHR|0666, makedev(0x1, 0x3)) = 0",
                "50 mount(\"" + l + "/merged\", \"" + l + "/merged\", 0xc000, MS_BIND|MS_REC, NULL) = 0");
        Folder f = new Folder(R, 022);
        StraceParser.parse(log).forEach(f::accept);
        assertEquals(List.of(new FsOp.Mkdir("overlay2/abc/merged", 0700), new FsOp.Mkdir("overlay2/abc/work/work", 0),
                new FsOp.Mkdir("overlay2/abc/diff/dev", 0755), new FsOp.Mkdir("overlay2/abc/diff/etc", Folder.COPY_UP),
                new FsOp.Create("overlay2/abc/diff/etc/hosts", 0755, 1)), f.ops(),
                "the tmpfs runc mounts on dev/ keeps the device node off the disk; reading passwd copies nothing up");
        assertEquals(1, f.skipped().get("on-a-mount"));
    }
}
