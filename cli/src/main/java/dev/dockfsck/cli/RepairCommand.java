package dev.dockfsck.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.output.ReportJson;
import dev.dockfsck.checker.output.ReportText;
import dev.dockfsck.repair.Repairer;
import dev.dockfsck.repair.plan.Action;
import dev.dockfsck.repair.plan.Plan;
import dev.dockfsck.repair.preen.PreenPolicy;
import dev.dockfsck.repair.preen.Preener;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dockfsck repair}: offline, journaled, minimal-loss repair. */
@Command(name = "repair", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Repairs a Docker data root offline (dockerd must be stopped).",
                "Fixes in place what can be fixed (l/ links, link, lower, size, repositories.json), removes only "
                        + "damaged layers, what stands on them and leftovers, and records removed images for "
                        + "'dockfsck restore --pending'. volumes/ is never touched; damaged containers are kept "
                        + "unless --force. Every step is journaled: after a crash, run it again to resume."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:clean, nothing to do", "1:errors corrected, store now clean",
                "4:errors left (kept containers, unrepairable findings)",
                "8:operational error (live dockerd, unreadable root)", "16:usage error"})
public final class RepairCommand implements Callable<Integer> {
    @Option(names = "--root", paramLabel = "DIR", defaultValue = Main.DEFAULT_ROOT,
            description = "Docker data root (default: ${DEFAULT-VALUE})")
    Path root;

    @Option(names = "--deep", description = "Also verify every layer's content against its diffID")
    boolean deep;

    @Option(names = "--dry-run", description = "Print the plan and write nothing")
    boolean dryRun;

    @Option(names = "--force", description = "Also remove damaged containers and their read-write layers")
    boolean force;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "/var/lib/dockfsck",
            description = "Journal and pending-restore.json (default: ${DEFAULT-VALUE})")
    Path stateDir;

    @Option(names = "--app-store", paramLabel = "DIR",
            description = "Restorable app store, read only (default: /var/sota/reset-apps when it exists)")
    Path appStore;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    CheckCommand.Format format;

    @Option(names = "--jobs", paramLabel = "N", description = "Layers verified at once (default: number of cores)")
    Integer jobs;

    @Option(names = "--preen", description = {"Boot mode (e2fsck -p): do only what cannot lose a healthy object "
            + "(in-place rewrites proven by a digest, leftovers, link/lower/size fixes); never remove a layer, image "
            + "or container: those are reported and left for 'dockfsck repair'. Never prompts; one line per action."})
    boolean preen;

    @CommandLine.Mixin
    RunOptions run = new RunOptions();

    @CommandLine.Mixin
    LedgerOptions ledger = new LedgerOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Made on first use: a preen without --format json or --report never needs Jackson's mapper. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .disable(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET);
    }

    @Override
    public Integer call() throws IOException {
        run.validate(spec);
        ledger.validate(spec, deep);
        try {
            return repair();
        } catch (OperationalException e) {
            run.failed(preen ? "preen" : "repair", e);
            throw e;
        }
    }

    private Integer repair() throws IOException {
        int n = Verifiers.jobs(jobs, spec);
        if (preen && force) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--preen never removes containers: it goes without --force");
        }
        if (preen) {
            return preen(n);
        }
        PrintStream out = Output.stdout();
        PrintStream err = Output.stderr();
        boolean text = format == CheckCommand.Format.text;
        Progress progress = Progress.forTerminal(err);
        Repairer.Listener listener = !text || run.quiet ? Repairer.Listener.NONE : new Repairer.Listener() {
            @Override
            public void planned(Report before, Plan plan, boolean resumed) {
                progress.finish();
                if (resumed) {
                    out.println("resuming an interrupted repair of " + root + " from its journal in " + stateDir);
                }
                printPlan(before, plan, out);
            }

            @Override
            public void stale(Path journal) {
                out.println("dockerd ran since the repair journaled in " + journal + " was interrupted: "
                        + "that plan is stale and is set aside; checking the store afresh");
            }

            @Override
            public void applying(int index, int total, Action action) {
                out.println("[" + (index + 1) + "/" + total + "] " + action.describe());
            }

            @Override
            public void notRepaired(int index, int total, Action action, String why) {
                out.println("[" + (index + 1) + "/" + total + "] not repaired, nothing changed: " + why);
            }
        };
        List<Action> failed = new java.util.ArrayList<>();
        Repairer.Listener shown = listener;
        listener = new Repairer.Listener() {
            @Override
            public void planned(Report before, Plan plan, boolean resumed) {
                shown.planned(before, plan, resumed);
            }

            @Override
            public void stale(Path journal) {
                shown.stale(journal);
            }

            @Override
            public void applying(int index, int total, Action action) {
                shown.applying(index, total, action);
            }

            @Override
            public void notRepaired(int index, int total, Action action, String why) {
                failed.add(action);
                shown.notRepaired(index, total, action, why);
            }
        };
        Path storePath = AppStores.chosen(appStore);
        Repairer.Result r;
        try (dev.dockfsck.model.appstore.AppStore store = storePath == null ? null : AppStores.openForCheck(storePath)) {
            if (store != null && !store.readable()) {
                Output.stderr().println("dockfsck: app store " + storePath + " cannot be used ("
                        + store.findings().stream().map(f -> f.message()).findFirst().orElse("unreadable")
                        + "): repairing the engine without it; lost images are recorded for restore");
            }
            Repairer repairer = new Repairer(new Repairer.Options(deep, dryRun, force, stateDir, n,
                    store == null ? Map.of() : AppStores.names(store), ledger.verifiers(stateDir), progress, listener,
                    store == null ? java.util.Optional.empty()
                            : java.util.Optional.of(new dev.dockfsck.repair.apply.AppStoreLayers(store))));
            r = repairer.run(root);
        } catch (Repairer.RefusedException e) {
            throw new OperationalException(e.getMessage(), e);
        } catch (IOException e) {
            throw new OperationalException(e.getMessage(), e);
        }
        ObjectNode doc = !text || run.report != null ? json(r) : null;
        if (!text) {
            Json.MAPPER.writeValue(out, doc);
            out.println();
        } else if (run.quiet) {
            out.println(outcome(r.exitCode(), r.after() != null ? r.after() : r.before()));
        } else {
            printText(r, out);
            if (run.verbose && r.after() != null) {
                CheckCommand.evidence(r.after(), out);
            }
        }
        out.flush();
        if (doc != null) {
            run.writeReport(Json.MAPPER.writeValueAsBytes(doc));
        }
        if (run.metrics != null) {
            Metrics m = new Metrics("repair");
            metrics(m, r.before(), r.after(), r.applied() && !dryRun ? r.plan().actions() : List.of(), failed, List.of(),
                    r.bytesFreed());
            run.writeMetrics(m, r.exitCode());
        }
        return r.exitCode();
    }

    private String outcome(int exit, Report last) {
        String what = switch (exit) {
            case 0 -> "clean, nothing to do";
            case 1 -> "errors corrected, now clean";
            default -> "errors left";
        };
        return "dockfsck: " + root + ": " + (preen ? "preen: " : "") + what
                + (last != null && !last.clean() ? " (" + last.summary().errors() + " error(s), "
                + last.summary().warnings() + " warning(s))" : "") + "; exit " + exit;
    }

    /** Findings found and left, actions by type and outcome, bytes reclaimed. */
    private static void metrics(Metrics m, Report before, Report after, List<Action> applied, List<Action> failed,
                                List<PreenPolicy.Deferred> deferred, long freed) {
        if (before != null) {
            m.findings(before, "found");
        }
        if (after != null) {
            m.findings(after, "left");
        }
        String help = "Repair actions by type and outcome (done; not_repaired: could not prove its result, nothing changed; deferred: left for a full repair).";
        List<Action> left = new java.util.ArrayList<>(failed);
        for (Action a : applied) {
            boolean notDone = left.remove(a);
            m.gauge("dockfsck_repair_actions", help, Map.of("type", type(a), "outcome", notDone ? "not_repaired" : "done"), 1);
        }
        for (PreenPolicy.Deferred d : deferred) {
            m.gauge("dockfsck_repair_actions", help, Map.of("type", type(d.action()), "outcome", "deferred"), 1);
        }
        m.gauge("dockfsck_bytes_reclaimed", "Bytes the repair freed.", freed);
    }

    private static String type(Action a) {
        com.fasterxml.jackson.annotation.JsonSubTypes types = Action.class.getAnnotation(
                com.fasterxml.jackson.annotation.JsonSubTypes.class);
        for (com.fasterxml.jackson.annotation.JsonSubTypes.Type t : types.value()) {
            if (t.value() == a.getClass()) {
                return t.name();
            }
        }
        return a.getClass().getSimpleName();
    }

    private Integer preen(int n) throws IOException {
        dev.dockfsck.model.Phases.mark("preen: parsed");
        PrintStream out = Output.stdout();
        boolean text = format == CheckCommand.Format.text;
        Progress progress = Progress.forTerminal(Output.stderr());
        Repairer.Listener listener = !text || run.quiet ? Repairer.Listener.NONE : new Repairer.Listener() {
            @Override
            public void planned(Report before, Plan plan, boolean resumed) {
                progress.finish();
                if (resumed) {
                    out.println("preen: resuming an interrupted " + (plan.actions().stream()
                            .allMatch(PreenPolicy::safe) ? "preen" : "repair") + " of " + root + " from " + stateDir);
                }
                if (before != null) {
                    for (dev.dockfsck.checker.Finding f : before.findings()) {
                        out.println("preen: found " + f.severity().toString().toLowerCase(java.util.Locale.ROOT) + " "
                                + f.code() + " " + f.subject() + (f.path().isEmpty() ? "" : " " + f.path()) + ": "
                                + oneLine(f.message()));
                    }
                }
            }

            @Override
            public void stale(Path journal) {
                out.println("preen: dockerd ran since the repair journaled in " + journal
                        + " was interrupted: that plan is set aside");
            }

            @Override
            public void applying(int index, int total, Action action) {
                out.println("preen: " + (dryRun ? "would " : "") + oneLine(action.describe()) + " ("
                        + oneLine(String.join("; ", action.reasons())) + ")");
            }

            @Override
            public void notRepaired(int index, int total, Action action, String why) {
                out.println("preen: not repaired, nothing changed: " + oneLine(action.describe()) + ": " + oneLine(why));
            }
        };
        Path storePath = AppStores.chosen(appStore);
        if (storePath != null && dev.dockfsck.model.fs.StoreFiles.kindOf(storePath) == dev.dockfsck.model.fs.FileKind.MISSING) {
            // the boot unit names the device's app store; a device without one still preens
            Output.stderr().println("dockfsck: app store " + storePath + ": there is nothing at this path: preening without it");
            storePath = null;
        }
        Preener.Result r;
        try (dev.dockfsck.model.appstore.AppStore store = storePath == null ? null : AppStores.openForCheck(storePath)) {
            if (store != null && !store.readable()) {
                Output.stderr().println("dockfsck: app store " + storePath + " cannot be used: preening without it");
            }
            Preener preener = new Preener(new Repairer.Options(deep, dryRun, false, stateDir, n,
                    store == null ? Map.of() : AppStores.names(store), ledger.verifiers(stateDir), progress, listener,
                    store == null ? java.util.Optional.empty()
                            : java.util.Optional.of(new dev.dockfsck.repair.apply.AppStoreLayers(store))));
            r = preener.run(root);
            dev.dockfsck.model.Phases.mark("preen: run");
        } catch (Repairer.RefusedException e) {
            throw new OperationalException(e.getMessage(), e);
        } catch (IOException e) {
            throw new OperationalException(e.getMessage(), e);
        }
        // the JSON document only when it is printed or written (building it is ~5% of a preen of 1000 layers)
        ObjectNode doc = !text || run.report != null ? preenJson(r) : null;
        if (text && run.quiet) {
            out.println(outcome(r.exitCode(), r.after() != null ? r.after() : r.before()));
        } else if (text) {
            if (dryRun) {
                r.plan().actions().forEach(a -> listener.applying(0, 0, a));
            }
            for (PreenPolicy.Deferred d : r.deferred()) {
                out.println("preen: left for 'dockfsck repair': " + oneLine(d.action().describe()) + ": " + d.why()
                        + " (" + oneLine(String.join("; ", d.action().reasons())) + ")");
            }
            for (String k : r.plan().kept()) {
                out.println("preen: left alone: " + oneLine(k));
            }
            if (r.blockedBy() != null) {
                out.println("preen: an interrupted 'dockfsck repair' is journaled in " + r.blockedBy()
                        + ": preen does not finish a person's removals; run 'dockfsck repair --state-dir " + stateDir
                        + " --root " + root + "' to resume it");
            }
            if (r.after() != null) {
                for (dev.dockfsck.checker.Finding f : r.after().findings()) {
                    if (f.severity() != dev.dockfsck.checker.Severity.INFO) {
                        out.println("preen: still " + f.code() + " " + f.subject() + (f.path().isEmpty() ? "" : " " + f.path()));
                    }
                }
            }
            int done = r.applied() ? r.plan().actions().size() - r.notRepaired().size() : 0;
            out.println("preen: " + root + ": " + (dryRun ? r.plan().actions().size() + " action(s) would be done"
                    : done + " action(s) done") + ", " + r.deferred().size() + " left for 'dockfsck repair'"
                    + (r.bytesFreed() > 0 ? ", freed " + ReportText.human(r.bytesFreed()) : "") + "; exit " + r.exitCode());
            if (run.verbose && r.after() != null) {
                CheckCommand.evidence(r.after(), out);
            }
        } else {
            Json.MAPPER.writeValue(out, doc);
            out.println();
        }
        out.flush();
        dev.dockfsck.model.Phases.mark("preen: output");
        if (doc != null) {
            run.writeReport(Json.MAPPER.writeValueAsBytes(doc));
        }
        if (run.metrics != null) { // the metrics read the plan's annotations: only when they are written
            Metrics m = new Metrics("preen");
            metrics(m, r.before(), r.after(), r.applied() ? r.plan().actions() : List.of(),
                    r.notRepaired().stream().map(Preener.NotRepaired::action).toList(), r.deferred(), r.bytesFreed());
            run.writeMetrics(m, r.exitCode());
        }
        return r.exitCode();
    }

    private ObjectNode preenJson(Preener.Result r) {
        ObjectMapper json = Json.MAPPER;
        ObjectNode doc = json.createObjectNode();
        doc.put("schema", "dockfsck.repair/v1");
        doc.put("preen", true);
        doc.put("dry_run", dryRun);
        doc.put("resumed", r.resumed());
        doc.put("applied", r.applied());
        doc.put("bytes_freed", r.bytesFreed());
        doc.set("plan", json.valueToTree(r.plan()));
        ArrayNode deferred = doc.putArray("deferred");
        for (PreenPolicy.Deferred d : r.deferred()) {
            ObjectNode o = deferred.addObject();
            o.set("action", json.valueToTree(d.action()));
            o.put("why", d.why());
        }
        ArrayNode nr = doc.putArray("not_repaired");
        r.notRepaired().forEach(n -> nr.add(n.action().describe() + ": " + n.why()));
        ArrayNode kept = doc.putArray("kept");
        r.plan().kept().forEach(kept::add);
        if (r.blockedBy() != null) {
            doc.put("blocked_by_journal", r.blockedBy().toString());
        }
        if (r.before() != null) {
            doc.set("before", ReportJson.toJson(r.before()));
        }
        if (r.after() != null) {
            doc.set("after", ReportJson.toJson(r.after()));
        }
        doc.put("exit_code", r.exitCode());
        return doc;
    }

    /** A journald line: no line breaks or control characters. */
    static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(c < 0x20 || c == 0x7f ? ' ' : c));
        return b.toString();
    }

    private void printPlan(Report before, Plan plan, PrintStream out) {
        if (before != null && !before.clean()) {
            ReportText.write(before, out);
            out.println();
        }
        if (plan.isEmpty()) {
            out.println("repair: nothing to do");
        } else {
            out.println((dryRun ? "repair plan (dry run, nothing written):" : "repair plan:") + " "
                    + plan.actions().size() + " action(s)");
            int i = 1;
            for (Action a : plan.actions()) {
                out.println("  " + i++ + ". " + a.describe());
                out.println("       because " + String.join("; ", a.reasons()));
            }
        }
        for (String k : plan.kept()) {
            out.println("  kept: " + k);
        }
        if (!dryRun && !plan.isEmpty()) {
            out.println();
        }
    }

    private void printText(Repairer.Result r, PrintStream out) {
        if (r.applied()) {
            out.println("freed " + ReportText.human(r.bytesFreed()));
            out.println();
            out.println("after repair:");
            ReportText.write(r.after(), out);
        }
        Path pending = stateDir.resolve(dev.dockfsck.repair.restore.PendingRestore.FILE_NAME);
        if (r.applied() && Files.exists(pending)) {
            out.println("images to re-inject are listed in " + pending + " (dockfsck restore --pending)");
        }
    }

    private ObjectNode json(Repairer.Result r) {
        ObjectMapper json = Json.MAPPER;
        ObjectNode root = json.createObjectNode();
        root.put("schema", "dockfsck.repair/v1");
        root.put("dry_run", dryRun);
        root.put("resumed", r.resumed());
        root.put("applied", r.applied());
        root.put("bytes_freed", r.bytesFreed());
        root.set("plan", json.valueToTree(r.plan()));
        ArrayNode kept = root.putArray("kept");
        r.plan().kept().forEach(kept::add);
        if (r.before() != null) {
            root.set("before", ReportJson.toJson(r.before()));
        }
        if (r.after() != null) {
            root.set("after", ReportJson.toJson(r.after()));
        }
        root.put("exit_code", r.exitCode());
        return root;
    }
}
