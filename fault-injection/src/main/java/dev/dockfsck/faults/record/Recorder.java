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
            + "execve,clone,clone3,fork,vfork,chroot,pivot_root,chdir,fchdir";

    private Recorder() {
    }

    /** An operation on a running dockerd (docker CLI args; the archive a load reads, when it is one). */
    public record Operation(String name, List<String> dockerArgs, Optional<Path> archive) {
        public static Operation load(Path archive) {
            return new Operation("load", List.of("load", "-i", archive.toAbsolutePath().toString()), Optional.of(archive));
        }
    }

    /** Records {@code op} on a fresh dockerd root under {@code work} (which must not exist). */
    public static Recording record(Path work, Operation op) throws IOException {
        Files.createDirectories(work);
        Path root = work.resolve("root");
        Path log = work.resolve("strace.log");
        try (Dockerd d = Dockerd.start(work.resolve("dockerd"), root)) {
            sleep(1000); // startup writes (network db, ...) settle
            Path before = GoldenStore.copy(root, work.resolve("before"));
            int umask = umask(d.pid());
            List<String> cmd = List.of("strace", "-f", "-qq", "-y", "-s", "256", "-o", log.toString(), "-e", "trace=" + TRACE,
                    "-p", Long.toString(d.pid()));
            Process strace = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(work.resolve("strace.out").toFile()).start();
            try {
                awaitTraced(d.pid(), strace);
                Dockerd.Result r = d.docker(Duration.ofMinutes(10), op.dockerArgs().toArray(String[]::new));
                if (!r.ok()) {
                    throw new IOException("docker " + String.join(" ", op.dockerArgs()) + " failed: " + r.stderr());
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
            Path after = GoldenStore.copy(root, work.resolve("after"));
            String realRoot = root.toRealPath().toString();
            List<Syscall> calls = StraceParser.parse(log);
            Folder f = new Folder(realRoot, umask);
            List<Syscall> mapped = ChrootPaths.rewrite(calls, realRoot);
            mapped.forEach(f::accept);
            return new Recording(before, after, f.ops(), f.finalNames(), op.archive(), f.skipped());
        }
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
