package dev.dockfsck.cli;

import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * The picocli models of {@code check} and {@code repair} (with the root command above them) built
 * programmatically, for the runs that name one of them (the boot unit's preen, the timer's check).
 * Reading the commands' annotations costs a start-up ~85 ms: the JDK builds a dynamic proxy class
 * per annotation type at run time, which an AOT cache cannot hold (docs/benchmarks.md, "Start-up").
 * The annotations stay the reference: help, completion and man pages are made from them, and
 * BootSpecsTest checks that these models print the same help and bind the same options.
 */
final class BootSpecs {
    private BootSpecs() {
    }

    static CommandSpec root(Main main) {
        CommandSpec s = command(main, "dockfsck");
        s.usageMessage().description("Checks and repairs the Docker engine's image store (overlay2) offline.", "")
                .exitCodeListHeading("%nExit codes (as e2fsck):%n")
                .exitCodeList(UsageMessageSpec.keyValuesMap("0:clean (info findings only)", "1:errors corrected (repair)",
                        "4:errors or warnings left",
                        "8:operational error (root unreadable, not a Docker root, live dockerd)", "16:usage error"));
        main.spec = s;
        return s;
    }

    static CommandSpec check(CheckCommand c) {
        CommandSpec s = command(c, "check");
        s.usageMessage().description("Checks a Docker data root (overlay2) without writing anything.",
                        "Run it while dockerd is stopped for an exact answer.")
                .exitCodeListHeading("%nExit codes:%n")
                .exitCodeList(UsageMessageSpec.keyValuesMap("0:clean (info findings only)", "4:errors or warnings found",
                        "8:operational error (root unreadable, not a Docker root)", "16:usage error"));
        s.addOption(opt(() -> c.root, v -> c.root = v, "--root", Path.class, "DIR", Main.DEFAULT_ROOT, "Docker data root (default: ${DEFAULT-VALUE})"));
        s.addOption(opt(() -> c.format, v -> c.format = v, "--format", CheckCommand.Format.class, "FORMAT", "text",
                "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})"));
        s.addOption(opt(() -> c.jobs, v -> c.jobs = v, "--jobs", Integer.class, "N", null, "Layers verified at once (default: number of cores)"));
        s.addOption(opt(() -> c.deep, v -> c.deep = v, "--deep", boolean.class, null, null, "Also prove every layer's files: re-assemble each layer tar from "
                + "tar-split.json.gz and diff/ and compare it with its diffID (reads all layer content)."));
        s.addOption(opt(() -> c.appStore, v -> c.appStore = v, "--app-store", Path.class, "DIR", null, "Also check the restorable app store (read only): manifests "
                + "and configs always, layer blobs with --deep; and name the app images a damaged unreferenced layer would break on re-load."));
        s.addOption(opt(() -> c.layer, v -> c.layer = v, "--layer", String.class, "CHAINID", null, "With --deep: verify the content of this layer only (sha256:<64 hex>)"));
        runOptions(s, c.run);
        ledgerOptions(s, c.ledger);
        s.addOption(opt(() -> c.stateDir, v -> c.stateDir = v, "--state-dir", Path.class, "DIR", "/var/lib/dockfsck", "Where --incremental keeps its ledger (default: ${DEFAULT-VALUE})"));
        c.spec = s;
        return s;
    }

    static CommandSpec repair(RepairCommand c) {
        CommandSpec s = command(c, "repair");
        s.usageMessage().description("Repairs a Docker data root offline (dockerd must be stopped).",
                        "Fixes in place what can be fixed (l/ links, link, lower, size, repositories.json), removes only "
                                + "damaged layers, what stands on them and leftovers, and records removed images for "
                                + "'dockfsck restore --pending'. volumes/ is never touched; damaged containers are kept "
                                + "unless --force. Every step is journaled: after a crash, run it again to resume.")
                .exitCodeListHeading("%nExit codes:%n")
                .exitCodeList(UsageMessageSpec.keyValuesMap("0:clean, nothing to do", "1:errors corrected, store now clean",
                        "4:errors left (kept containers, unrepairable findings)",
                        "8:operational error (live dockerd, unreadable root)", "16:usage error"));
        s.addOption(opt(() -> c.root, v -> c.root = v, "--root", Path.class, "DIR", Main.DEFAULT_ROOT, "Docker data root (default: ${DEFAULT-VALUE})"));
        s.addOption(opt(() -> c.deep, v -> c.deep = v, "--deep", boolean.class, null, null, "Also verify every layer's content against its diffID"));
        s.addOption(opt(() -> c.dryRun, v -> c.dryRun = v, "--dry-run", boolean.class, null, null, "Print the plan and write nothing"));
        s.addOption(opt(() -> c.force, v -> c.force = v, "--force", boolean.class, null, null, "Also remove damaged containers and their read-write layers"));
        s.addOption(opt(() -> c.stateDir, v -> c.stateDir = v, "--state-dir", Path.class, "DIR", "/var/lib/dockfsck",
                "Journal and pending-restore.json (default: ${DEFAULT-VALUE})"));
        s.addOption(opt(() -> c.appStore, v -> c.appStore = v, "--app-store", Path.class, "DIR", null,
                "Restorable app store, read only (default: /var/sota/reset-apps when it exists)"));
        s.addOption(opt(() -> c.format, v -> c.format = v, "--format", CheckCommand.Format.class, "FORMAT", "text",
                "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})"));
        s.addOption(opt(() -> c.jobs, v -> c.jobs = v, "--jobs", Integer.class, "N", null, "Layers verified at once (default: number of cores)"));
        s.addOption(opt(() -> c.preen, v -> c.preen = v, "--preen", boolean.class, null, null, "Boot mode (e2fsck -p): do only what cannot lose a healthy object "
                + "(in-place rewrites proven by a digest, leftovers, link/lower/size fixes); never remove a layer, image "
                + "or container: those are reported and left for 'dockfsck repair'. Never prompts; one line per action."));
        runOptions(s, c.run);
        ledgerOptions(s, c.ledger);
        c.spec = s;
        return s;
    }

    /** A command with {@code mixinStandardHelpOptions} and the version provider, as its annotation has them. */
    private static CommandSpec command(Object user, String name) {
        CommandSpec s = CommandSpec.wrapWithoutInspection(user);
        s.name(name).versionProvider(new VersionProvider());
        // picocli's AutoHelpMixin, whose own annotations would be read by reflection
        s.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).descriptionKey("mixinStandardHelpOptions.help")
                .description("Show this help message and exit.").paramLabel("<helpRequested>").type(boolean.class)
                .initialValue(Boolean.FALSE).build());
        s.addOption(OptionSpec.builder("-V", "--version").versionHelp(true).descriptionKey("mixinStandardHelpOptions.version")
                .description("Print version information and exit.").paramLabel("<versionRequested>").type(boolean.class)
                .initialValue(Boolean.FALSE).build());
        return s;
    }

    private static void runOptions(CommandSpec s, RunOptions r) {
        s.addOption(opt(() -> r.report, v -> r.report = v, "--report", Path.class, "FILE", null,
                "Also write the JSON report to FILE (atomically: a reader never sees half of it)"));
        s.addOption(opt(() -> r.metrics, v -> r.metrics = v, "--metrics", Path.class, "FILE", null,
                "Write metrics in node_exporter's textfile format to FILE (atomically): findings by code, "
                        + "repairs, bytes reclaimed, duration, exit code, last-success timestamp"));
        s.addOption(opt(() -> r.verbose, v -> r.verbose = v, new String[] {"-v", "--verbose"}, boolean.class, null, null, "Say more: each finding's evidence, every step"));
        s.addOption(opt(() -> r.quiet, v -> r.quiet = v, new String[] {"-q", "--quiet"}, boolean.class, null, null, "Say only the outcome (one line) and errors"));
    }

    private static void ledgerOptions(CommandSpec s, LedgerOptions l) {
        s.addOption(opt(() -> l.incremental, v -> l.incremental = v, "--incremental", boolean.class, null, null, "With --deep: prove only the layers the ledger in the state dir "
                + "does not hold yet (registered layers are immutable: only new ones can be hurt by a power cut), "
                + "and record the ones proven now"));
        s.addOption(opt(() -> l.full, v -> l.full = v, "--full", boolean.class, null, null, "With --incremental: prove every layer again and rewrite the ledger"));
        s.addOption(opt(() -> l.budget, v -> l.budget = v, "--time-budget", Double.class, "SECONDS", null,
                "With --incremental: stop proving new layers after this long; the rest waits for the next run"));
    }

    private static <T> OptionSpec opt(Supplier<T> get, Consumer<T> set, String name, Class<T> type, String label, String dflt,
                                      String description) {
        return opt(get, set, new String[] {name}, type, label, dflt, description);
    }

    private static <T> OptionSpec opt(Supplier<T> get, Consumer<T> set, String[] names, Class<T> type, String label, String dflt,
                                      String description) {
        Binding<T> f = new Binding<>(get, set);
        OptionSpec.Builder b = OptionSpec.builder(names).type(type).description(description).descriptionKey("")
                .getter(f).setter(f).paramLabel(label != null ? label : "<" + fieldName(names[names.length - 1]) + ">");
        if (dflt != null) {
            b.defaultValue(dflt);
        }
        if (type == boolean.class) {
            b.initialValue(Boolean.FALSE); // as picocli records a field's initial value
        }
        if (type == Path.class) {
            // what picocli's built-in converter does (Paths.get), without the reflective call it
            // makes it through: core reflection spins method handles at its first use (~5 ms of a start)
            b.converters(v -> Path.of(v));
        }
        return b.build();
    }

    /** The field an option without a paramLabel binds, as picocli's default label names it: --dry-run, dryRun. */
    private static String fieldName(String option) {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char ch : option.substring(2).toCharArray()) {
            if (ch == '-') {
                up = true;
            } else {
                b.append(up ? Character.toUpperCase(ch) : ch);
                up = false;
            }
        }
        return b.toString();
    }

    /** One option's field in its command or mixin, reached through the accessors given with it, not reflection. */
    private static final class Binding<T> implements CommandLine.Model.IGetter, CommandLine.Model.ISetter {
        private final Supplier<T> get;
        private final Consumer<T> set;

        Binding(Supplier<T> get, Consumer<T> set) {
            this.get = get;
            this.set = set;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <X> X get() {
            return (X) get.get();
        }

        @Override
        @SuppressWarnings("unchecked")
        public <X> X set(X value) {
            X old = (X) get.get();
            set.accept((T) value);
            return old;
        }
    }
}
