package dev.dockfsck.faults.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.faults.catalogue.Catalogue;
import dev.dockfsck.faults.catalogue.Fault;
import dev.dockfsck.faults.catalogue.FaultApplier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dockfsck faults apply}: one fault on an offline data root. */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Applies one catalogued fault to an offline data root and prints what it changed.")
final class ApplyFaultCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--root", required = true, description = "the data root to damage (no dockerd may use it)")
    Path root;

    @Option(names = "--fault", required = true, description = "a fault id (dockfsck faults list)")
    String fault;

    @Option(names = "--target", description = "the path to hit, relative to the root (default: one the seed picks)")
    String target;

    @Option(names = "--seed", defaultValue = "0", description = "picks the target and names leftovers (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--format", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
    FaultsCommand.Format format;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Fault f = Catalogue.byId(fault).orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(),
                "no fault " + fault + " in the catalogue (dockfsck faults list)"));
        Optional<String> live = FaultsCommand.liveCheck.apply(root);
        if (live.isPresent()) {
            err.println("dockfsck: refused: " + live.get() + "; faults are injected only into an offline root");
            err.flush();
            return FaultsCommand.OPERATIONAL;
        }
        FaultApplier.Applied a;
        try {
            a = FaultApplier.apply(root, f, Optional.ofNullable(target), seed);
        } catch (IOException e) {
            err.println("dockfsck: " + (e instanceof java.nio.file.NoSuchFileException ? "no such file or directory: " : "")
                    + e.getMessage());
            err.flush();
            return FaultsCommand.OPERATIONAL;
        }
        if (format == FaultsCommand.Format.json) {
            ObjectMapper m = new ObjectMapper();
            ObjectNode o = m.createObjectNode();
            o.put("fault", a.faultId()).put("target", a.target()).put("seed", seed).put("damages", f.damagesAt(a.target()));
            a.changes().forEach(c -> o.withArray("changes").addObject().put("path", c.path()).put("what", c.what()));
            out.println(m.writeValueAsString(o));
        } else {
            out.println("applied " + a.faultId() + " to " + a.target() + " (seed " + seed + ")"
                    + f.harmlessAt(a.target()).map(w -> "; harmless here: " + w).orElse(""));
            a.changes().forEach(c -> out.println("  " + c));
        }
        out.flush();
        return FaultsCommand.OK;
    }
}
