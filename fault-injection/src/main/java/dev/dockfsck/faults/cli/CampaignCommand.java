package dev.dockfsck.faults.cli;

import dev.dockfsck.faults.campaign.Campaign;
import dev.dockfsck.faults.campaign.Dockfsck;
import dev.dockfsck.faults.campaign.Reports;
import dev.dockfsck.faults.crash.CrashStates;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dockfsck faults campaign}: power-cut crash states of a real docker load, each checked, repaired, restored and verified. */
@Command(name = "campaign", mixinStandardHelpOptions = true,
        description = {"Records docker load (or pull, run, rm, rmi: --op) of the archives on a private dockerd (strace), generates power-cut crash states",
                "(and with --kills real kill -9 crashes of dockerd),",
                "and runs check --deep, repair --deep --app-store, dockerd, restore --pending on each, verifying that it heals.",
                "With several archives the first is loaded before the trace: a bystander that must survive untouched."})
final class CampaignCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--image", description = "a docker-archive (docker save) to load; repeatable")
    List<Path> images = List.of();

    @Option(names = "--recording", description = "reuse a recording a campaign made (its work dir's recording/)")
    Path recording;

    @Option(names = "--app-store", description = "the restorable app store holding the images (default: one made with skopeo)")
    Path appStore;

    @Option(names = "--states", defaultValue = "20", description = "crash states (default: ${DEFAULT-VALUE})")
    int states;

    @Option(names = "--seed", defaultValue = "1", description = "(default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--shard", defaultValue = "1/1", description = "K/N: this run's part of the states (default: ${DEFAULT-VALUE})")
    String shard;

    @Option(names = "--only", description = "run state I alone (what a failing state's reproduce line says)")
    Integer only;

    @Option(names = "--work", description = "the campaign's directory (default: a new one under /tmp)")
    Path work;

    @Option(names = "--junit", description = "write JUnit XML here (one testcase per state)")
    Path junit;

    @Option(names = "--markdown", description = "write the table here too")
    Path markdown;

    @Option(names = "--keep", description = "keep every state's directory (failed ones are always kept)")
    boolean keep;

    @Option(names = "--pull", description = "the same as --op pull")
    boolean pull;

    @Option(names = "--op", defaultValue = "load", description = {"the operation crashed: load, pull (from a local docker-registry),",
            "run, rm (of a container), rmi (of an image); the container ops take two archives: the first runs the keeper",
            "container (with a named volume), the second is the victim's image (default: ${DEFAULT-VALUE})"})
    String opName;

    @Option(names = "--kills", defaultValue = "0", description = "also this many kill -9 states: dockerd and its children killed at a seeded time during the real operation")
    int kills;

    @Option(names = "--only-kill", description = "run kill -9 state I alone")
    Integer onlyKill;

    @Option(names = "--dockerd-alone", arity = "0..1", fallbackValue = "1", defaultValue = "0",
            description = {"also run every N-th state (N=1 when not given) with dockerd alone plus an agent that re-loads",
                    "what is missing (no dockfsck): the table's dockerd-alone columns (about doubles those states' time)"})
    int dockerdAloneEvery;

    @Option(names = "--dockfsck", description = "the dockfsck command each step runs (default: this JVM)")
    Path launcher;

    @Override
    public Integer call() throws Exception {
        if (images.isEmpty() && recording == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --image ARCHIVE (or --recording DIR)");
        }
        Campaign.Op op;
        try {
            op = pull ? Campaign.Op.PULL : Campaign.Op.parse(opName);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (kills < 0 || dockerdAloneEvery < 0 || states < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--states, --kills and --dockerd-alone take numbers >= 0");
        }
        for (Path i : images) {
            if (!Files.isRegularFile(i)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--image " + i + ": no such file");
            }
        }
        if (recording != null && !Files.isRegularFile(recording.resolve("recording.properties"))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--recording " + recording + ": not a recording (no recording.properties)");
        }
        CrashStates.Shard sh;
        try {
            sh = CrashStates.Shard.parse(shard);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!dev.dockfsck.fixtures.dockerd.Dockerd.available()) {
            spec.commandLine().getErr().println("dockfsck: a campaign needs dockerd: " + dev.dockfsck.fixtures.dockerd.Dockerd.unavailableReason());
            return FaultsCommand.OPERATIONAL;
        }
        if (!dev.dockfsck.model.fs.Posix.available() && System.getenv("DOCKFSCK_FAULTS_REEXEC") == null) {
            // replaying a crash state makes device nodes, xattrs and exact modes through libc: this
            // JVM was started without the foreign linker (the launcher adds it only for some commands)
            List<String> c = new java.util.ArrayList<>(Dockfsck.thisJvm().command());
            c.add("faults");
            c.add("campaign");
            c.addAll(spec.commandLine().getParseResult().originalArgs().subList(
                    spec.commandLine().getParseResult().originalArgs().indexOf("campaign") + 1,
                    spec.commandLine().getParseResult().originalArgs().size()));
            ProcessBuilder pb = new ProcessBuilder(c).inheritIO();
            pb.environment().put("DOCKFSCK_FAULTS_REEXEC", "1");
            pb.environment().put("LC_ALL", "C.UTF-8");
            return pb.start().waitFor();
        }
        Path w = work != null ? work : Files.createTempDirectory(Path.of("/tmp"), "dockfsck-campaign");
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true);
        Campaign.Summary s;
        try {
            s = Campaign.run(new Campaign.Options(images, Optional.ofNullable(appStore), Optional.ofNullable(recording),
                    states, seed, sh, Optional.ofNullable(only), w, launcher == null ? Dockfsck.thisJvm() : Dockfsck.launcher(launcher), keep, op,
                    kills, Optional.ofNullable(onlyKill), dockerdAloneEvery), out);
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("dockfsck: faults campaign: " + e.getMessage());
            return FaultsCommand.OPERATIONAL;
        }
        String table = Reports.markdown(s.results());
        out.println();
        out.print(table);
        if (markdown != null) {
            Files.writeString(markdown, table);
        }
        if (junit != null) {
            Files.writeString(junit, Reports.junit(s.results(), "dockfsck faults campaign " + op.word() + " seed " + seed + " shard " + shard));
        }
        out.println("faults: " + s.results().stream().filter(Campaign.Result::healed).count() + " of " + s.results().size()
                + " states healed; work dir " + w);
        return s.allHealed() ? FaultsCommand.OK : 4;
    }
}
