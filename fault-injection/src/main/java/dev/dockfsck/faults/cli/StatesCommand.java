package dev.dockfsck.faults.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dockfsck.faults.crash.CrashState;
import dev.dockfsck.faults.crash.CrashStates;
import dev.dockfsck.faults.record.FsOp;
import dev.dockfsck.faults.record.Recorder;
import dev.dockfsck.faults.record.Recording;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dockfsck faults states}: the crash states of a recording, without running them. */
@Command(name = "states", mixinStandardHelpOptions = true, description = "Lists the crash states a campaign of a recording runs.")
final class StatesCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--recording", required = true, description = "a campaign's recording dir")
    Path recording;

    @Option(names = "--states", defaultValue = "20", description = "(default: ${DEFAULT-VALUE})")
    int states;

    @Option(names = "--seed", defaultValue = "1", description = "(default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--shard", defaultValue = "1/1", description = "K/N (default: ${DEFAULT-VALUE})")
    String shard;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
    FaultsCommand.Format format;

    @Override
    public Integer call() throws Exception {
        CrashStates.Shard sh;
        try {
            sh = CrashStates.Shard.parse(shard);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Recording rec = Recorder.load(recording);
        List<FsOp> ops = rec.ops();
        PrintWriter out = spec.commandLine().getOut();
        ObjectMapper m = new ObjectMapper();
        for (CrashState s : CrashStates.generate(ops, states, seed, sh)) {
            if (format == FaultsCommand.Format.json) {
                var n = m.createObjectNode().put("state", s.index()).put("crashPoint", s.crashPoint())
                        .put("metadataCut", s.metadataCut()).put("fixedPoint", s.fixedPoint()).put("faithful", CrashStates.faithful(ops, s)).put("phase", s.phase(ops))
                        .put("description", s.describe(ops));
                s.writes().forEach((i, p) -> n.with("writes").put(Integer.toString(i), p.name().toLowerCase(java.util.Locale.ROOT)));
                out.println(m.writeValueAsString(n));
            } else {
                out.println(s.index() + "\t" + s.phase(ops) + "\t" + s.describe(ops));
            }
        }
        out.flush();
        return FaultsCommand.OK;
    }
}
