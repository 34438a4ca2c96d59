package dev.dockfsck.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code dockfsck} command line. */
@Command(name = "dockfsck", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Checks and repairs the Docker engine's image store (overlay2) offline.", ""},
        exitCodeListHeading = "%nExit codes (as e2fsck):%n",
        exitCodeList = {"0:clean (info findings only)", "1:errors corrected (repair)", "4:errors or warnings left",
                "8:operational error (root unreadable, not a Docker root, live dockerd)", "16:usage error"})
public final class Main implements Runnable {
    /** The data root the commands read when no {@code --root} is given (dockerd's own default). */
    static final String DEFAULT_ROOT = "/var/lib/docker";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (try: dockfsck check --help)");
    }

    /**
     * The subcommands, in the order help lists them. picocli reads each one's annotations by
     * reflection when it is added (a third of a start-up), so a run adds only the one it names.
     */
    private static final Map<String, Supplier<Object>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("check", CheckCommand::new);
        COMMANDS.put("repair", RepairCommand::new);
        COMMANDS.put("restore", RestoreCommand::new);
        COMMANDS.put("inventory", InventoryCommand::new);
        COMMANDS.put("reset", ResetCommand::new);
        COMMANDS.put("demo", DemoCommand::new); // runs check and repair itself: needs them all
        COMMANDS.put("faults", dev.dockfsck.faults.cli.FaultsCommand::new); // issue 13: fault-injection harness
        COMMANDS.put("help", CommandLine.HelpCommand::new);
    }

    static {
        // picocli's default factory looks for Groovy's closure class when it is first used: a
        // class-path search that opens the jar the AOT cache otherwise spares (~10 ms of a start)
        System.setProperty("picocli.disable.closures", "true");
    }

    public static void main(String[] args) {
        dev.dockfsck.model.Phases.mark("main");
        StartUp.begin(args);
        int exit = run(args);
        dev.dockfsck.model.Phases.end();
        if (args.length > 0 && HALTS.contains(args[0])) {
            // System.exit on JDK 21+ first asks System.getLogger("java.lang.Runtime") whether to log
            // the exit, and the first System.Logger looks for logging providers on the class path:
            // it opens the jar (~10 ms of a boot preen). These commands register no shutdown hook
            // and have flushed their output (run), so ending the process at once is the same exit.
            Runtime.getRuntime().halt(exit);
        }
        System.exit(exit);
    }

    /** The commands that end the JVM with {@link Runtime#halt}: the boot path's, which register no shutdown hook. */
    static final java.util.Set<String> HALTS = java.util.Set.of("check", "repair");

    /** Runs the command line and returns its exit code (used by tests); its output is flushed on return. */
    public static int run(String... args) {
        String first = args.length > 0 ? args[0] : "";
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        try {
            return commandLine(out, err, "demo".equals(first) ? "" : first).execute(args);
        } finally {
            out.flush();
            err.flush();
            System.out.flush();
            System.err.flush();
        }
    }

    /** The command line with every subcommand. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return commandLine(out, err, "");
    }

    /**
     * The command line with only subcommand {@code only} when that names one (and it needs no
     * other), else with all of them: usage, suggestions and errors then see the whole set.
     */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, String only) {
        return commandLine(out, err, only, false);
    }

    /**
     * As above; {@code check} and {@code repair} alone get the models {@link BootSpecs} builds without
     * reading annotations unless {@code annotated} (the reference the tests compare them with).
     */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, String only, boolean annotated) {
        CommandLine cl;
        if (!annotated && ("check".equals(only) || "repair".equals(only))) {
            cl = new CommandLine(BootSpecs.root(new Main()));
            cl.addSubcommand(only, "check".equals(only) ? BootSpecs.check(new CheckCommand()) : BootSpecs.repair(new RepairCommand()));
        } else {
            cl = new CommandLine(new Main());
            addAnnotated(cl, only);
        }
        return configure(cl, out, err);
    }

    private static void addAnnotated(CommandLine cl, String only) {
        if (COMMANDS.containsKey(only) && !"help".equals(only)) {
            cl.addSubcommand(COMMANDS.get(only).get());
        } else {
            COMMANDS.values().forEach(c -> cl.addSubcommand(c.get()));
        }
    }

    private static CommandLine configure(CommandLine cl, PrintWriter out, PrintWriter err) {
        dev.dockfsck.model.Phases.mark("picocli model");
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("dockfsck: " + ex.getMessage());
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, c.getErr())) {
                c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            }
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            if (ex instanceof OperationalException) {
                c.getErr().println("dockfsck: " + ex.getMessage());
            } else {
                c.getErr().println("dockfsck: internal error: " + ex);
                org.slf4j.LoggerFactory.getLogger(Main.class).debug("internal error", ex);
            }
            return ExitCodes.OPERATIONAL;
        });
        return cl;
    }
}
