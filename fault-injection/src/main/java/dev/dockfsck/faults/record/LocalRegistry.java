package dev.dockfsck.faults.record;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code docker-registry} on 127.0.0.1 (a free port, storage in a temp dir, no auth), for
 * recording {@code docker pull}: dockerd treats 127.0.0.0/8 registries as insecure (plain HTTP).
 * Images are pushed with skopeo. Stopped by the pid it started.
 */
public final class LocalRegistry implements AutoCloseable {
    public static final Path REGISTRY = Path.of("/usr/bin/docker-registry");
    public static final Path SKOPEO = Path.of("/usr/bin/skopeo");
    private final Process process;
    private final int port;

    private LocalRegistry(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static boolean available() {
        return Files.isExecutable(REGISTRY) && Files.isExecutable(SKOPEO);
    }

    public static LocalRegistry start(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("storage"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path config = dir.resolve("config.yml");
        Files.writeString(config, "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: " + dir.resolve("storage").toAbsolutePath()
                + "\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:" + port + "\n");
        Process p = new ProcessBuilder(REGISTRY.toString(), "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry.log").toFile()).start();
        LocalRegistry r = new LocalRegistry(p, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
            }
            try {
                HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + "/v2/").openConnection();
                c.setConnectTimeout(500);
                if (c.getResponseCode() == 200) {
                    return r;
                }
            } catch (IOException e) {
                // not up yet
            }
            Recorder.sleep(100);
        }
        r.close();
        throw new IOException("docker-registry did not answer on 127.0.0.1:" + port);
    }

    public String host() {
        return "127.0.0.1:" + port;
    }

    /** Pushes a docker-archive as {@code repo:tag}; returns the reference to pull. */
    public String push(Path archive, String repoTag) throws IOException {
        String ref = host() + "/" + repoTag;
        Process p = new ProcessBuilder(SKOPEO.toString(), "copy", "--dest-tls-verify=false", "docker-archive:" + archive.toAbsolutePath(),
                "docker://" + ref).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IOException("skopeo copy to " + ref + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return ref;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
