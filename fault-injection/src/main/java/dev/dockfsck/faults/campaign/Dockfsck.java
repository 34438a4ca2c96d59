package dev.dockfsck.faults.campaign;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs dockfsck itself as the device runs it: a process per command, its output to a log. By
 * default the JVM this runs in, with its flags and class path, and {@code dev.dockfsck.cli.Main};
 * or a given launcher ({@code ./dockfsck}).
 */
public record Dockfsck(List<String> command) {
    public static Dockfsck thisJvm() {
        List<String> c = new ArrayList<>();
        c.add(ProcessHandle.current().info().command().orElse("java"));
        // as the launcher runs --deep, --app-store and restore: libc through the foreign linker (JDK 17's
        // incubator module; the final API needs none from JDK 22 on, where that module is gone), exact byte paths
        if (java.lang.module.ModuleFinder.ofSystem().find("jdk.incubator.foreign").isPresent()) {
            c.add("--add-modules=jdk.incubator.foreign");
        }
        c.addAll(List.of("--enable-native-access=ALL-UNNAMED",
                "--add-opens=java.base/sun.nio.fs=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-Dfile.") || a.startsWith("-Dsun.jnu")) {
                c.add(a);
            }
        }
        c.add("-cp");
        c.add(System.getProperty("java.class.path"));
        c.add("dev.dockfsck.cli.Main");
        return new Dockfsck(c);
    }

    public static Dockfsck launcher(Path script) {
        return new Dockfsck(List.of(script.toAbsolutePath().toString()));
    }

    /**
     * Fails with the command's own words unless {@code dockfsck --version} runs: a campaign whose
     * every step dies in the JVM would otherwise report every state "not healed".
     */
    public void assertRuns(Path log) throws IOException {
        int rc = run(log, "--version");
        if (rc != 0) {
            String tail = java.nio.file.Files.readString(log).lines().reduce("", (a, b) -> b);
            throw new IOException("dockfsck does not run (" + String.join(" ", command) + " --version: exit " + rc + ": " + tail
                    + "; see " + log + ")");
        }
    }

    /** Runs {@code dockfsck args...}, appending its output to {@code log}; returns its exit code. */
    public int run(Path log, String... args) throws IOException {
        List<String> c = new ArrayList<>(command);
        c.addAll(List.of(args));
        java.nio.file.Files.writeString(log, "$ dockfsck " + String.join(" ", args) + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        ProcessBuilder pb = new ProcessBuilder(c).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("LC_ALL", "C.UTF-8");
        Process p = pb.start();
        try {
            if (!p.waitFor(20, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("dockfsck " + String.join(" ", args) + " did not end within 20 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        }
        return p.exitValue();
    }
}
