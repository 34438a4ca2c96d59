package dev.dockfsck.cli;

import java.nio.file.Path;

/**
 * The training run of the JDK 25 AOT cache {@code mvn package} makes (cli/pom.xml, profile
 * jdk25-aot), in two JVMs. {@code store DIR} (not recorded) builds the damaged sample store of
 * {@code demo} at {@code DIR/root}. {@code boot DIR} (the recorded run) then starts the way the
 * boot unit and the timer start the JVM, through {@link Main#main}'s own path (the early read,
 * {@link BootSpecs}' models): the boot unit's preen of that damaged store ({@code --deep
 * --incremental}, a report and metrics: the planner, the journal, the repairs a preen makes), a
 * bare preen and a check of the store it left. The cache then holds the classes and linkage of
 * the boot path only: the classes of the other commands ({@code demo}, {@code restore}, ...)
 * would be mapped and linked at every boot for nothing (a cache trained on {@code demo} too:
 * 30 MB instead of 20, the JVM's start ~14 ms longer; docs/benchmarks.md, "Start-up"). A build
 * tool, not a command: the product never runs it. Exit 0, or 8 when a step fails operationally.
 */
final class AotTraining {
    private AotTraining() {
    }

    public static void main(String[] args) throws java.io.IOException {
        Path dir = Path.of(args[1]);
        Path root = dir.resolve("root");
        if (args[0].equals("store")) {
            dev.dockfsck.faults.DemoStore.build(root);
            System.exit(0);
        }
        String r = root.toString();
        String state = dir.resolve("state").toString();
        String[] boot = {"repair", "--preen", "--deep", "--incremental", "--time-budget", "60", "--root", r,
                "--state-dir", state, "--report", dir.resolve("preen.json").toString(), "--metrics", dir.resolve("preen.prom").toString()};
        StartUp.begin(boot);
        int b = Main.run(boot);
        String[] preen = {"repair", "--preen", "--root", r, "--state-dir", state};
        StartUp.begin(preen);
        int p = Main.run(preen);
        int c = Main.run("check", "--root", r, "--state-dir", state);
        System.exit(Math.max(b, Math.max(p, c)) >= ExitCodes.OPERATIONAL ? ExitCodes.OPERATIONAL : 0);
    }
}
