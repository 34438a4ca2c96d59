package dev.dockfsck.cli;

import java.nio.file.Path;

/**
 * The training run of the JDK 25 AOT cache {@code mvn package} makes (cli/pom.xml, profile
 * jdk25-aot): {@code demo} (check --deep, repair --deep, check --deep of the sample store, through
 * the full annotated command tree), then, as the boot unit and the timer start the JVM, a
 * {@code repair --preen} and a {@code check} of the repaired sample store through
 * {@link Main#main}'s own path (the early read, {@link BootSpecs}' models, the preen), so that the
 * classes and linkage those load are in the cache too. A build tool, not a command: the product
 * never runs it. Exit: the demo's (0 or 4), 8 when a boot-path run fails operationally.
 */
final class AotTraining {
    private AotTraining() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int demo = Main.run("demo", "--dir", dir.toString());
        String root = dir.resolve("root").toString();
        String state = dir.resolve("state").toString();
        String[] preen = {"repair", "--preen", "--root", root, "--state-dir", state};
        StartUp.begin(preen);
        int p = Main.run(preen);
        int c = Main.run("check", "--root", root, "--state-dir", state);
        System.exit(p >= ExitCodes.OPERATIONAL || c >= ExitCodes.OPERATIONAL ? ExitCodes.OPERATIONAL : demo);
    }
}
