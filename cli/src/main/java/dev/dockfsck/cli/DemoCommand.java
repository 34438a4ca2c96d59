package dev.dockfsck.cli;

import dev.dockfsck.faults.DemoStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dockfsck demo}: build a damaged sample store, check it, repair it, check it again. */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Builds a sample Docker data root (as dockerd 20.10 writes it) with one damage of each kind "
                + "a power cut leaves, then runs check --deep, repair --deep and check --deep on it.",
                "Nothing outside DIR is written."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the repaired store checks clean", "4:it does not", "8:operational error"})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--dir", paramLabel = "DIR", description = "Where to build the store (default: a new temp dir)")
    Path dir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path base = dir == null ? Files.createTempDirectory("dockfsck-demo") : dir;
        if (Files.exists(base.resolve("root"))) {
            throw new OperationalException(base.resolve("root") + " exists; give an empty --dir");
        }
        Path root = base.resolve("root");
        Path state = base.resolve("state");
        PrintStream out = Output.stdout();
        out.println("== building a sample store in " + root);
        List<DemoStore.Damage> damage = DemoStore.build(root);
        out.println("   3 images, 1 container, 1 volume; then the damage a power cut leaves:");
        for (DemoStore.Damage d : damage) {
            out.printf("   - %-50s (expect %s)%n", d.what(), d.code());
        }
        CommandLine cl = spec.root().commandLine();
        out.println();
        out.println("== dockfsck check --deep --root " + root);
        int first = cl.execute("check", "--deep", "--root", root.toString());
        out.println("   (exit " + first + ")");
        out.println();
        out.println("== dockfsck repair --deep --root " + root + " --state-dir " + state);
        int repaired = cl.execute("repair", "--deep", "--root", root.toString(), "--state-dir", state.toString());
        out.println("   (exit " + repaired + ")");
        out.println();
        out.println("== dockfsck check --deep --root " + root + "   (again)");
        int last = cl.execute("check", "--deep", "--root", root.toString());
        out.println("   (exit " + last + ")");
        out.println();
        out.println("The demo store is in " + base + "; volumes/demo-data was never touched.");
        return last;
    }
}
