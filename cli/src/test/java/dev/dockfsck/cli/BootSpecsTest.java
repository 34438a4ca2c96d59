package dev.dockfsck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * BootSpecs' models of check and repair (built without reading annotations) against the annotated
 * commands, which stay the reference: the same help, version, options and bindings.
 */
class BootSpecsTest {
    static CommandLine line(String only, boolean annotated) {
        return Main.commandLine(new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true),
                only, annotated);
    }

    @ParameterizedTest
    @ValueSource(strings = {"check", "repair"})
    void theSameHelpAndVersion(String cmd) {
        CommandLine ref = line(cmd, true);
        CommandLine boot = line(cmd, false);
        assertEquals(ref.getUsageMessage(CommandLine.Help.Ansi.OFF), boot.getUsageMessage(CommandLine.Help.Ansi.OFF));
        CommandLine refSub = ref.getSubcommands().get(cmd);
        CommandLine bootSub = boot.getSubcommands().get(cmd);
        assertEquals(refSub.getUsageMessage(CommandLine.Help.Ansi.OFF), bootSub.getUsageMessage(CommandLine.Help.Ansi.OFF));
        assertEquals(refSub.getUsageMessage(CommandLine.Help.Ansi.ON), bootSub.getUsageMessage(CommandLine.Help.Ansi.ON));
        assertEquals(Arrays.asList(refSub.getCommandSpec().version()), Arrays.asList(bootSub.getCommandSpec().version()));
        assertEquals(ref.getCommandSpec().usageMessage().exitCodeList(), boot.getCommandSpec().usageMessage().exitCodeList());
        assertEquals(refSub.getCommandSpec().usageMessage().exitCodeList(), bootSub.getCommandSpec().usageMessage().exitCodeList());
        assertEquals(options(ref.getCommandSpec()), options(boot.getCommandSpec()));
        assertEquals(options(refSub.getCommandSpec()), options(bootSub.getCommandSpec()));
    }

    /** Every option's attributes that usage, parsing and completion read, by its longest name. */
    static Map<String, List<Object>> options(CommandSpec spec) {
        Map<String, List<Object>> m = new TreeMap<>();
        for (OptionSpec o : spec.options()) {
            List<Object> candidates = new ArrayList<>();
            if (o.completionCandidates() != null) {
                o.completionCandidates().forEach(candidates::add);
            }
            m.put(o.longestName(), Arrays.asList(List.of(o.names()), o.paramLabel(), o.type(), o.arity().toString(),
                    o.defaultValue(), List.of(o.description()), o.descriptionKey(), o.usageHelp(), o.versionHelp(),
                    o.hidden(), o.required(), o.negatable(), o.interactive(), o.splitRegex(), o.order(), candidates,
                    o.initialValue(), o.hasInitialValue(), o.inherited(), o.scopeType(), o.fallbackValue()));
        }
        return m;
    }

    @ParameterizedTest
    @ValueSource(strings = {"check", "repair"})
    void theSameValuesBound(String cmd) {
        List<String[]> lines = List.of(new String[] {cmd},
                new String[] {cmd, "--root", "/r", "--format", "JSON", "--jobs", "3", "--deep", "--app-store=/a",
                        "--report", "/rep", "--metrics", "/m", "-v", "--incremental", "--full", "--time-budget", "2.5",
                        "--state-dir", "/s"},
                new String[] {cmd, "-q"});
        for (String[] args : lines) {
            List<String> a = new ArrayList<>(List.of(args));
            if (cmd.equals("check")) {
                a.addAll(List.of("--layer", "sha256:00"));
            } else {
                a.addAll(List.of("--preen", "--dry-run", "--force"));
            }
            CommandLine ref = line(cmd, true);
            CommandLine boot = line(cmd, false);
            ref.setCaseInsensitiveEnumValuesAllowed(true);
            boot.setCaseInsensitiveEnumValuesAllowed(true);
            ref.parseArgs(a.toArray(String[]::new));
            boot.parseArgs(a.toArray(String[]::new));
            Object r = ref.getSubcommands().get(cmd).getCommand();
            Object b = boot.getSubcommands().get(cmd).getCommand();
            assertEquals(fields(r), fields(b), a.toString());
        }
        CommandLine boot = line(cmd, false);
        Object b = boot.getSubcommands().get(cmd).getCommand();
        CommandSpec spec = b instanceof CheckCommand c ? c.spec : ((RepairCommand) b).spec;
        assertNotNull(spec);
        assertSame(boot.getSubcommands().get(cmd), spec.commandLine());
    }

    static String fields(Object o) {
        StringBuilder s = new StringBuilder();
        if (o instanceof CheckCommand c) {
            s.append(List.of(String.valueOf(c.root), String.valueOf(c.format), String.valueOf(c.jobs), c.deep,
                    String.valueOf(c.appStore), String.valueOf(c.layer), String.valueOf(c.stateDir)));
            return s.append(run(c.run)).append(ledger(c.ledger)).toString();
        }
        RepairCommand r = (RepairCommand) o;
        s.append(List.of(String.valueOf(r.root), r.deep, r.dryRun, r.force, String.valueOf(r.stateDir),
                String.valueOf(r.appStore), String.valueOf(r.format), String.valueOf(r.jobs), r.preen));
        return s.append(run(r.run)).append(ledger(r.ledger)).toString();
    }

    static String run(RunOptions r) {
        return List.of(String.valueOf(r.report), String.valueOf(r.metrics), r.verbose, r.quiet).toString();
    }

    static String ledger(LedgerOptions l) {
        return List.of(l.incremental, l.full, String.valueOf(l.budget)).toString();
    }
}
