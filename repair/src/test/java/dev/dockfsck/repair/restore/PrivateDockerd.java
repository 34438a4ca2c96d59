package dev.dockfsck.repair.restore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Stopgap until test-fixtures' Dockerd lands: a private dockerd on a temp data root, started
 * and stopped by pid.
 */
final class PrivateDockerd implements AutoCloseable {
    static final Path DOCKERD = Path.of("/usr/sbin/dockerd");
    static final Path DOCKER = Path.of("/usr/bin/docker");

    record Result(int rc, String out, String err) {
    }

    final Path dir;
    final Path dataRoot;
    final Path socket;
    private final Process process;

    private PrivateDockerd(Path dir, Process process) {
        this.dir = dir;
        this.dataRoot = dir.resolve("root");
        this.socket = dir.resolve("d.sock");
        this.process = process;
    }

    static boolean available() {
        return Files.isExecutable(DOCKERD) && Files.isExecutable(DOCKER)
                && "root".equals(System.getProperty("user.name"));
    }

    static PrivateDockerd start() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "dfk");
        List<String> cmd = List.of(DOCKERD.toString(), "--data-root", dir.resolve("root").toString(),
                "--host", "unix://" + dir.resolve("d.sock"), "--exec-root", dir.resolve("exec").toString(),
                "--pidfile", dir.resolve("d.pid").toString(), "--iptables=false", "--bridge=none");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("dockerd.log").toFile()).start();
        PrivateDockerd d = new PrivateDockerd(dir, p);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("dockerd exited: " + Files.readString(dir.resolve("dockerd.log")));
            }
            if (Files.exists(d.socket) && d.docker("version").rc() == 0) {
                return d;
            }
            Thread.sleep(200);
        }
        d.close();
        throw new IOException("dockerd did not come up: " + Files.readString(dir.resolve("dockerd.log")));
    }

    String host() {
        return "unix://" + socket;
    }

    Result docker(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(DOCKER.toString(), "-H", host()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("docker " + args[0] + " hung");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    String dockerOk(String... args) throws IOException, InterruptedException {
        Result r = docker(args);
        if (r.rc() != 0) {
            throw new IOException("docker " + String.join(" ", args) + " failed: " + r.err());
        }
        return r.out();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (process.isAlive()) {
            process.destroy(); // SIGTERM to this dockerd's pid only
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        String keep = System.getenv("DFK_KEEP_DOCKERD_LOG");
        if (keep != null && Files.exists(dir.resolve("dockerd.log"))) {
            Files.copy(dir.resolve("dockerd.log"), Path.of(keep), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(60, TimeUnit.SECONDS);
    }
}
