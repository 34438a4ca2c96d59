package dev.dockfsck.repair.live;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds a dockerd (or containerd-shim mount) using a data root, so repair never writes under a
 * live engine: a dockerd process whose {@code --data-root} (or {@code -g}, or the default
 * /var/lib/docker) is the root, the pid in {@code <root>/../docker.pid}-style pid files named on
 * its command line, and overlay mounts below {@code <root>/overlay2}.
 */
public final class LiveEngine {
    private LiveEngine() {
    }

    /** A sentence naming what uses the root, or empty when nothing does. */
    public static Optional<String> find(Path root) {
        Path real;
        try {
            real = root.toRealPath();
        } catch (IOException e) {
            real = root.toAbsolutePath().normalize();
        }
        for (String why : processes(real)) {
            return Optional.of(why);
        }
        return mounts(real);
    }

    static List<String> processes(Path root) {
        List<String> out = new ArrayList<>();
        Path proc = Path.of("/proc");
        if (!Files.isDirectory(proc)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc, p -> isPid(p.getFileName().toString()))) {
            for (Path pid : ds) {
                List<String> argv = cmdline(pid);
                if (argv.isEmpty() || !Path.of(argv.get(0)).getFileName().toString().equals("dockerd")) {
                    continue;
                }
                Path dataRoot = dataRoot(pid, argv);
                Path realData;
                try {
                    realData = dataRoot.toRealPath();
                } catch (IOException e) {
                    realData = dataRoot.normalize();
                }
                if (realData.equals(root)) {
                    out.add("dockerd (pid " + pid.getFileName() + ") is running on " + root);
                }
            }
        } catch (IOException e) {
            // /proc unreadable: the mount check still applies
        }
        return out;
    }

    /** A /proc entry of a process: digits only (a regex per entry was most of this check's time). */
    static boolean isPid(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** Default of dockerd's {@code --config-file}. */
    static final String DEFAULT_CONFIG = "/etc/docker/daemon.json";

    /**
     * The data root of a dockerd: {@code --data-root} (or the old {@code -g}/{@code --graph}) on its
     * command line, else {@code data-root} (or {@code graph}) in its config file
     * ({@code --config-file}, default {@value #DEFAULT_CONFIG}), else /var/lib/docker. Relative
     * paths are taken from the process's working directory.
     */
    static Path dataRoot(Path pid, List<String> argv) {
        Optional<String> flag = option(argv, "--data-root", "-g", "--graph");
        String root = flag.orElseGet(() -> {
            Path config = Path.of(option(argv, "--config-file").orElse(DEFAULT_CONFIG));
            if (!config.isAbsolute()) {
                config = pid.resolve("cwd").resolve(config);
            }
            return configuredRoot(config).orElse("/var/lib/docker");
        });
        Path p = Path.of(root);
        return p.isAbsolute() ? p : pid.resolve("cwd").resolve(p);
    }

    /** {@code data-root} (or {@code graph}) from a daemon.json, if it names one. */
    static Optional<String> configuredRoot(Path config) {
        try {
            com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(Files.readAllBytes(config));
            for (String key : List.of("data-root", "graph")) {
                com.fasterxml.jackson.databind.JsonNode v = json == null ? null : json.get(key);
                if (v != null && v.isTextual() && !v.asText().isEmpty()) {
                    return Optional.of(v.asText());
                }
            }
        } catch (IOException | RuntimeException e) {
            // no or unreadable config: dockerd itself would then use its default (or refuse to start)
        }
        return Optional.empty();
    }

    static Optional<String> option(List<String> argv, String... names) {
        for (int i = 1; i < argv.size(); i++) {
            String a = argv.get(i);
            for (String n : names) {
                if (a.equals(n) && i + 1 < argv.size()) {
                    return Optional.of(argv.get(i + 1));
                }
                if (a.startsWith(n + "=")) {
                    return Optional.of(a.substring(n.length() + 1));
                }
            }
        }
        return Optional.empty();
    }

    private static List<String> cmdline(Path pid) {
        try {
            byte[] b = Files.readAllBytes(pid.resolve("cmdline"));
            List<String> out = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < b.length; i++) {
                if (b[i] == 0) {
                    out.add(new String(b, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            return out;
        } catch (IOException e) {
            return List.of();
        }
    }

    static Optional<String> mounts(Path root) {
        Path mountinfo = Path.of("/proc/self/mountinfo");
        if (!Files.isReadable(mountinfo)) {
            return Optional.empty();
        }
        String prefix = root.resolve("overlay2") + "/";
        try {
            for (String line : Files.readAllLines(mountinfo, StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                if (f.length > 4 && f[4].replace("\\040", " ").startsWith(prefix)) {
                    return Optional.of("a layer of " + root + " is mounted at " + f[4]
                            + " (a container is running, or dockerd was killed without unmounting)");
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
