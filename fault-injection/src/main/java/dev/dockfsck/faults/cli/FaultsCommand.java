package dev.dockfsck.faults.cli;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code dockfsck faults}: the fault-injection harness (issue 13). */
@Command(name = "faults", mixinStandardHelpOptions = true,
        description = "Injects catalogued faults and power-cut crash states into a data root (never a live one).",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done; for a campaign: every state healed", "4:a campaign state was not healed",
                "8:operational error (a live or unreadable root, a target outside it, a tool missing)",
                "16:usage error (an unknown fault, a bad shard)"},
        subcommands = {ListFaultsCommand.class, ApplyFaultCommand.class, CampaignCommand.class, StatesCommand.class})
public final class FaultsCommand implements Runnable {
    /** as dockfsck's ExitCodes (cli depends on this module, not the reverse) */
    static final int OK = 0;
    static final int OPERATIONAL = 8;
    static final int USAGE = 16;

    /** What uses a root, when something does (LiveEngine; tests replace it). */
    static Function<Path, Optional<String>> liveCheck = dev.dockfsck.repair.live.LiveEngine::find;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a faults command is required (try: dockfsck faults --help)");
    }

    /** Output formats. */
    public enum Format { text, json }
}
