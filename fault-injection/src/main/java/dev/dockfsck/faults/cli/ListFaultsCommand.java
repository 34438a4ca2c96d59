package dev.dockfsck.faults.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.faults.catalogue.Catalogue;
import dev.dockfsck.faults.catalogue.Fault;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dockfsck faults list}: the catalogue. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the fault catalogue.")
final class ListFaultsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--format", description = "text or json (default: ${DEFAULT-VALUE})", defaultValue = "text")
    FaultsCommand.Format format;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (format == FaultsCommand.Format.json) {
            ObjectMapper m = new ObjectMapper();
            ArrayNode a = m.createArrayNode();
            for (Fault f : Catalogue.all()) {
                ObjectNode o = a.addObject();
                o.put("id", f.id());
                o.put("targetClass", f.targetClass().id());
                o.put("target", f.kind().id());
                o.put("mutation", f.mutation().id());
                o.put("damages", f.damages());
                o.put("description", f.description());
                ArrayNode h = o.putArray("harmlessOn");
                f.harmless().forEach(x -> h.addObject().put("path", x.path().pattern()).put("why", x.why()));
            }
            out.println(m.writeValueAsString(a));
        } else {
            for (Fault f : Catalogue.all()) {
                out.printf("%-36s %-18s %s%s%n", f.id(), f.targetClass().id(), f.description(),
                        f.damages() ? "" : " [harmless]");
            }
        }
        out.flush();
        return FaultsCommand.OK;
    }
}
