package dev.dockfsck.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code dockfsck} command line. */
@Command(name = "dockfsck", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Checks and repairs the Docker engine's image store (overlay2) offline.", ""},
        subcommands = {CheckCommand.class, RepairCommand.class, RestoreCommand.class, DemoCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes (as e2fsck):%n",
        exitCodeList = {"0:clean (info findings only)", "1:errors corrected (repair)", "4:errors or warnings left",
                "8:operational error (root unreadable, not a Docker root, live dockerd)", "16:usage error"})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (try: dockfsck check --help)");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit code (used by tests). */
    public static int run(String... args) {
        return commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args);
    }

    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
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
