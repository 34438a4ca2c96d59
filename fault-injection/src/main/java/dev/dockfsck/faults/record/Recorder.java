package dev.dockfsck.faults.record;

import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Records what a real dockerd does to its data root during one operation: a private dockerd
 * (the fixtures' {@link Dockerd}: own root, socket and exec root) gets {@code strace -f} attached
 * to it (and so to every thread and to the docker-untar / docker-applyLayer children it starts),
 * the operation runs, strace detaches; the root is copied before and after.
 */
public final class Recorder {
    /** the system calls traced: every one that creates, writes, names, links, removes or syncs */
    public static final String TRACE = "openat,open,creat,write,writev,pwrite64,pwritev,pwritev2,ftruncate,truncate,"
            + "rename,renameat,renameat2,link,linkat,unlink,unlinkat,mkdir,mkdirat,rmdir,symlink,symlinkat,"
            + "setxattr,lsetxattr,fsetxattr,chmod,fchmod,fchmodat,chown,fchown,lchown,fchownat,fsync,fdatasync,"
            + "syncfs,sync,mknod,mknodat,copy_file_range,sendfile,splice,fallocate,close,lseek,"
            + "execve,clone,clone3,fork,vfork,chroot,pivot_root,chdir,fchdir,mount";

    /**
     * How many bytes of each written buffer strace prints (-s): every write's bytes are kept in the
     * log, so that a range written again later (containerd's bolt meta.db, rewritten in place
     * during a pull) replays with the bytes of that write, not the last ones. Go copies files in
     * 32 KiB buffers; a longer write is kept up to this and read from the after-snapshot.
     */
    static final int PAYLOAD = 1 << 20;

    private Recorder() {
    }

    /**
     * An operation on a running dockerd: {@code setup} docker commands run before the trace
     * starts (loads of images that must survive untouched), {@code commands} while it runs;
     * {@code archives} are the archives those commands load, in order.
     */
    public record Operation(String name, List<List<String>> setup, List<List<String>> commands, List<Path> archives) {
        public static Operation load(Path archive) {
            return loads(List.of(), List.of(archive));
        }

        /**
         * loads {@code before} untraced, then pulls {@code refs} traced (from a {@link LocalRegistry});
         * {@code archives}: what was pushed as them (no import dir is made by a pull: they only name the images)
         */
        public static Operation pulls(List<Path> before, List<String> refs, List<Path> archives) {
            return new Operation("pull", before.stream().map(a -> List.of("load", "-i", a.toAbsolutePath().toString())).toList(),
                    refs.stream().map(r -> List.of("pull", r)).toList(), archives.stream().map(Path::toAbsolutePath).toList());
        }

        /** the name of a container the container operations make */
        public static final String VICTIM = "dockfsck-victim";
        /** a container (with a named volume) made before the trace: it must survive every state untouched */
        public static final String KEEPER = "dockfsck-keeper";
        public static final String KEEPER_VOLUME = "dockfsck-keeper-data";

        private static List<List<String>> setupOf(List<Path> loads, String keeperImage) {
            List<List<String>> s = new ArrayList<>(loads.stream().map(a -> List.of("load", "-i", a.toAbsolutePath().toString())).toList());
            if (keeperImage != null) {
                s.add(List.of("run", "--network", "none", "--name", KEEPER, "-v", KEEPER_VOLUME + ":/data", keeperImage,
                        "/bin/sh", "-c", "echo kept > /data/kept.txt"));
            }
            return s;
        }

        /**
         * loads {@code loads} untraced and runs the keeper container on {@code keeperImage}, then runs
         * {@code docker run --network none --name VICTIM image /bin/true} traced (a container created,
         * mounted, started, stopped)
         */
        public static Operation run(List<Path> loads, String keeperImage, String image) {
            return new Operation("run", setupOf(loads, keeperImage),
                    List.of(List.of("run", "--network", "none", "--name", VICTIM, image, "/bin/true")), List.of());
        }

        /** as {@link #run}, the victim container run untraced too; then {@code docker rm VICTIM} traced */
        public static Operation rm(List<Path> loads, String keeperImage, String image) {
            List<List<String>> setup = new ArrayList<>(setupOf(loads, keeperImage));
            setup.add(List.of("run", "--network", "none", "--name", VICTIM, image, "/bin/true"));
            return new Operation("rm", setup, List.of(List.of("rm", VICTIM)), List.of());
        }

        /** loads {@code loads} and runs the keeper container untraced; then {@code docker rmi image} traced */
        public static Operation rmi(List<Path> loads, String keeperImage, String image) {
            return new Operation("rmi", setupOf(loads, keeperImage), List.of(List.of("rmi", image)), List.of());
        }

        /** loads {@code before} untraced, then {@code archives} traced */
        public static Operation loads(List<Path> before, List<Path> archives) {
            return new Operation("load", before.stream().map(a -> List.of("load", "-i", a.toAbsolutePath().toString())).toList(),
                    archives.stream().map(a -> List.of("load", "-i", a.toAbsolutePath().toString())).toList(),
                    archives.stream().map(Path::toAbsolutePath).toList());
        }
    }

    /** Records {@code op} on a fresh dockerd root under {@code work} (which must not exist); {@link #load} reads it back. */
    public static Recording record(Path work, Operation op) throws IOException {
        Files.createDirectories(work);
        Path root = work.resolve("root");
        Path log = work.resolve("strace.log");
        try (Dockerd d = Dockerd.start(work.resolve("dockerd"), root)) {
            for (List<String> c : op.setup()) {
                Dockerd.Result r = d.docker(Duration.ofMinutes(10), c.toArray(String[]::new));
                if (!r.ok()) {
                    throw new IOException("docker " + String.join(" ", c) + " failed: " + r.stderr());
                }
            }
            sleep(1000); // startup writes (network db, ...) settle
            GoldenStore.copy(root, work.resolve("before"));
            int umask = umask(d.pid());
            // dockerd and the processes it started (its containerd writes <root>/containerd during a pull)
            List<String> cmd = new ArrayList<>(List.of("strace", "-f", "-qq", "-y", "-s", Integer.toString(PAYLOAD), "-o", log.toString(),
                    "-e", "trace=" + TRACE, "-p", Long.toString(d.pid())));
            ProcessHandle.of(d.pid()).ifPresent(h -> h.descendants().forEach(c -> {
                cmd.add("-p");
                cmd.add(Long.toString(c.pid()));
            }));
            Process strace = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(work.resolve("strace.out").toFile()).start();
            try {
                awaitTraced(d.pid(), strace);
                for (List<String> c : op.commands()) {
                    Dockerd.Result r = d.docker(Duration.ofMinutes(10), c.toArray(String[]::new));
                    if (!r.ok()) {
                        throw new IOException("docker " + String.join(" ", c) + " failed: " + r.stderr());
                    }
                }
                sleep(500);
            } finally {
                strace.destroy(); // SIGTERM: strace detaches from every thread and exits
                try {
                    if (!strace.waitFor(30, TimeUnit.SECONDS)) {
                        strace.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            GoldenStore.copy(root, work.resolve("after"));
            java.util.Properties meta = new java.util.Properties();
            meta.setProperty("root", root.toRealPath().toString());
            meta.setProperty("umask", Integer.toOctalString(umask));
            meta.setProperty("operation", op.name());
            meta.setProperty("archives", String.join("\n", op.archives().stream().map(Path::toString).toList()));
            meta.setProperty("setup", String.valueOf(op.setup().size()));
            try (var w = Files.newBufferedWriter(work.resolve("recording.properties"))) {
                meta.store(w, "dockfsck faults recording: the strace log is folded again on load");
            }
        }
        return load(work);
    }

    /** A recording {@link #record} made: its strace log folded again (the same ops every time). */
    public static Recording load(Path work) throws IOException {
        java.util.Properties meta = new java.util.Properties();
        try (var r = Files.newBufferedReader(work.resolve("recording.properties"))) {
            meta.load(r);
        }
        String realRoot = meta.getProperty("root");
        List<Syscall> calls = ChrootPaths.rewrite(StraceParser.parse(work.resolve("strace.log")), realRoot);
        Folder f = new Folder(realRoot, Integer.parseInt(meta.getProperty("umask"), 8));
        calls.forEach(f::accept);
        List<Path> archives = meta.getProperty("archives", "").isEmpty() ? List.of()
                : java.util.Arrays.stream(meta.getProperty("archives").split("\n")).map(Path::of).toList();
        return new Recording(work.resolve("before"), work.resolve("after"), copiedUp(f.ops(), work.resolve("after")), f.finalNames(),
                archives, f.skipped());
    }

    /**
     * A directory overlayfs copied up into a container's upper dir ({@link Folder#COPY_UP}) gets the
     * mode and owner it has in the after-snapshot (those of the lower layer's dir it copies).
     */
    static List<FsOp> copiedUp(List<FsOp> ops, Path after) throws IOException {
        List<FsOp> out = new ArrayList<>(ops.size());
        for (FsOp op : ops) {
            if (!(op instanceof FsOp.Mkdir m) || m.mode() != Folder.COPY_UP) {
                out.add(op);
                continue;
            }
            Path p = RawRel.resolve(after, m.path());
            if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                int mode = (Integer) Files.getAttribute(p, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS) & 07777;
                int uid = (Integer) Files.getAttribute(p, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
                int gid = (Integer) Files.getAttribute(p, "unix:gid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
                out.add(new FsOp.Mkdir(m.path(), mode));
                out.add(new FsOp.Chown(m.path(), uid, gid));
            } else {
                out.add(new FsOp.Mkdir(m.path(), 0755)); // removed again before the end
            }
        }
        return out;
    }

    private static void awaitTraced(long pid, Process strace) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (!strace.isAlive()) {
                throw new IOException("strace exited with " + strace.exitValue());
            }
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("TracerPid:") && !line.substring(10).strip().equals("0")) {
                    sleep(700); // the other threads are attached right after the first
                    return;
                }
            }
            sleep(50);
        }
        throw new IOException("strace did not attach to dockerd " + pid);
    }

    static int umask(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.US_ASCII)) {
            if (line.startsWith("Umask:")) {
                return Integer.parseInt(line.substring(6).strip(), 8);
            }
        }
        return 022;
    }

    public static void sleepMillis(long ms) {
        sleep(ms);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static List<String> lines(Path p) throws IOException {
        return Files.exists(p) ? Files.readAllLines(p, StandardCharsets.ISO_8859_1) : new ArrayList<>();
    }
}
