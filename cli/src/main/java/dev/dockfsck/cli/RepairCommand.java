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
    @Option(names = "--root", paramLabel = "DIR", defaultValue = "/var/lib/docker",
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

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        int n = Verifiers.jobs(jobs, spec);
        PrintStream out = Output.stdout();
        PrintStream err = Output.stderr();
        boolean text = format == CheckCommand.Format.text;
        Progress progress = Progress.forTerminal(err);
        Repairer.Listener listener = !text ? Repairer.Listener.NONE : new Repairer.Listener() {
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
        Path storePath = AppStores.chosen(appStore);
        Repairer.Result r;
        try (dev.dockfsck.model.appstore.AppStore store = storePath == null ? null : AppStores.openForCheck(storePath)) {
            if (store != null && !store.readable()) {
                Output.stderr().println("dockfsck: app store " + storePath + " cannot be used ("
                        + store.findings().stream().map(f -> f.message()).findFirst().orElse("unreadable")
                        + "): repairing the engine without it; lost images are recorded for restore");
            }
            Repairer repairer = new Repairer(new Repairer.Options(deep, dryRun, force, stateDir, n,
                    store == null ? Map.of() : AppStores.names(store), Verifiers::content, progress, listener,
                    store == null ? java.util.Optional.empty()
                            : java.util.Optional.of(new dev.dockfsck.repair.apply.AppStoreLayers(store))));
            if (deep) {
                Verifiers.warnIfSlowHashing();
            }
            r = repairer.run(root);
        } catch (Repairer.RefusedException e) {
            throw new OperationalException(e.getMessage(), e);
        } catch (IOException e) {
            throw new OperationalException(e.getMessage(), e);
        }
        if (text) {
            printText(r, out);
        } else {
            printJson(r, out);
        }
        out.flush();
        return r.exitCode();
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

    private void printJson(Repairer.Result r, PrintStream out) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .disable(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET);
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
        json.writeValue(out, root);
        out.println();
    }
}
