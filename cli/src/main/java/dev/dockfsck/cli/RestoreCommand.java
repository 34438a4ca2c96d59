package dev.dockfsck.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.checker.output.ReportText;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.AppStoreFinding;
import dev.dockfsck.repair.restore.DockerEngine;
import dev.dockfsck.repair.restore.EngineException;
import dev.dockfsck.repair.restore.PendingRestore;
import dev.dockfsck.repair.restore.RestoreException;
import dev.dockfsck.repair.restore.RestoreOptions;
import dev.dockfsck.repair.restore.RestoreProgress;
import dev.dockfsck.repair.restore.RestoreResult;
import dev.dockfsck.repair.restore.Restorer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dockfsck restore}: re-inject images from the restorable app store through dockerd's load API. */
@Command(name = "restore", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Re-injects images from the restorable app store into a running dockerd through its image "
                + "load API: each image is streamed from the store's blobs (verified on the way) as a "
                + "docker-archive, tagged as the store names it, and checked in dockerd afterwards.",
                "--pending restores what 'dockfsck repair' removed (pending-restore.json); --all every app image "
                        + "dockerd lacks (after a factory reset); --app NAME the images of those apps."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every image restored or already present", "4:some image could not be restored",
                "8:operational error (engine unreachable, app store unreadable)", "16:usage error"})
public final class RestoreCommand implements Callable<Integer> {
    @Option(names = "--host", paramLabel = "URI",
            description = "Docker engine (default: $DOCKER_HOST, else unix:///var/run/docker.sock)")
    String host;

    @Option(names = "--app-store", paramLabel = "DIR",
            description = "Restorable app store: reset-apps dir, OCI layout or docker-archive (default: /var/sota/reset-apps)")
    Path appStore;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "/var/lib/dockfsck",
            description = "Where repair recorded pending-restore.json (default: ${DEFAULT-VALUE})")
    Path stateDir;

    @Option(names = "--app", paramLabel = "NAME", description = "Restore the images of this app (repeatable)")
    List<String> apps;

    static final class Which {
        @Option(names = "--pending", description = "Restore the images repair removed (the default)")
        boolean pending;

        @Option(names = "--all", description = "Restore every app image dockerd does not have")
        boolean all;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Which which;

    @Option(names = "--force", description = "Load images even when dockerd already has them")
    boolean force;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    CheckCommand.Format format;

    @CommandLine.Mixin
    RunOptions run = new RunOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        run.validate(spec);
        try {
            return restore();
        } catch (OperationalException e) {
            run.failed("restore", e);
            throw e;
        }
    }

    private Integer restore() throws IOException {
        if (apps != null && !apps.isEmpty() && which != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--app goes without --pending or --all");
        }
        Path storePath = appStore != null ? appStore : AppStores.DEFAULT;
        String engineHost = host != null ? host : System.getenv().getOrDefault("DOCKER_HOST", "unix:///var/run/docker.sock");
        PrintStream out = Output.stdout();
        PrintStream err = Output.stderr();
        boolean text = format == CheckCommand.Format.text;
        List<RestoreResult> results;
        List<AppStoreFinding> storeFindings;
        try (AppStore store = AppStores.open(storePath); DockerEngine engine = connect(engineHost)) {
            Restorer restorer = new Restorer(engine, store);
            RestoreOptions options = new RestoreOptions(force, text ? progress(err) : RestoreProgress.NONE);
            if (apps != null && !apps.isEmpty()) {
                results = restorer.restoreApps(apps, options);
            } else if (which != null && which.all) {
                results = restorer.restoreAll(options);
            } else {
                results = restorer.restorePending(new PendingRestore(stateDir), options);
            }
            storeFindings = store.findings();
        } catch (RestoreException e) {
            throw new OperationalException(e.getMessage(), e);
        }
        int exit = results.stream().allMatch(RestoreResult::ok) ? ExitCodes.CLEAN : ExitCodes.ERRORS_LEFT;
        ObjectNode doc = json(results, storeFindings);
        if (!text) {
            JSON.writeValue(out, doc);
            out.println();
        } else if (run.quiet) {
            results.stream().filter(r -> !r.ok()).forEach(r -> out.println("FAILED   " + r.image() + ": " + r.reason()));
            out.println("restore: " + results.stream().filter(r -> r.status() == RestoreResult.Status.RESTORED).count()
                    + " restored, " + results.stream().filter(r -> !r.ok()).count() + " failed; exit " + exit);
        } else {
            printText(results, storeFindings, out);
        }
        out.flush();
        run.writeReport(JSON.writeValueAsBytes(doc));
        Metrics m = new Metrics("restore");
        String help = "Images the restore handled, by status (restored, present: dockerd had it, failed).";
        for (RestoreResult.Status st : RestoreResult.Status.values()) {
            m.gauge("dockfsck_restore_images", help, java.util.Map.of("status", status(st)),
                    results.stream().filter(r -> r.status() == st).count());
        }
        m.gauge("dockfsck_appstore_findings", "Findings on the app store itself.", storeFindings.size());
        run.writeMetrics(m, exit);
        return exit;
    }

    private static DockerEngine connect(String host) {
        try {
            DockerEngine e = DockerEngine.connect(host);
            e.ping();
            return e;
        } catch (EngineException ex) {
            throw new OperationalException(ex.getMessage(), ex);
        }
    }

    /** One progress line per image on a terminal: bytes sent of the total. */
    private static RestoreProgress progress(PrintStream err) {
        if (System.console() == null) {
            return RestoreProgress.NONE;
        }
        long[] last = {0};
        return (image, sent, total) -> {
            long now = System.nanoTime();
            if (now - last[0] < 250_000_000L && sent < total) {
                return;
            }
            last[0] = now;
            err.printf("\rrestoring %s: %s of %s   ", image, ReportText.human(sent), ReportText.human(total));
            if (sent >= total) {
                err.println();
            }
            err.flush();
        };
    }

    private void printText(List<RestoreResult> results, List<AppStoreFinding> findings, PrintStream out) {
        if (results.isEmpty()) {
            out.println("restore: nothing to restore");
        }
        for (RestoreResult r : results) {
            String status = switch (r.status()) {
                case RESTORED -> "restored";
                case SKIPPED_PRESENT -> "present ";
                case FAILED -> "FAILED  ";
            };
            out.println(status + " " + r.image() + (r.imageId().isEmpty() ? "" : " (" + r.imageId() + ")")
                    + (r.reason().isEmpty() ? "" : ": " + r.reason()));
        }
        for (AppStoreFinding f : findings) {
            out.println("app store: " + f.describe());
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET);

    private static String status(RestoreResult.Status s) {
        return switch (s) {
            case RESTORED -> "restored";
            case SKIPPED_PRESENT -> "present";
            case FAILED -> "failed";
        };
    }

    private ObjectNode json(List<RestoreResult> results, List<AppStoreFinding> findings) {
        ObjectMapper json = JSON;
        ObjectNode root = json.createObjectNode();
        root.put("schema", "dockfsck.restore/v1");
        ArrayNode images = root.putArray("images");
        for (RestoreResult r : results) {
            ObjectNode n = images.addObject();
            n.put("image", r.image());
            n.put("image_id", r.imageId());
            n.put("status", r.status().name().toLowerCase(java.util.Locale.ROOT));
            n.put("reason", r.reason());
            r.tags().forEach(n.putArray("tags")::add);
            r.apps().forEach(n.putArray("apps")::add);
        }
        ArrayNode fs = root.putArray("app_store_findings");
        for (AppStoreFinding f : findings) {
            ObjectNode n = fs.addObject();
            n.put("code", f.code().name());
            n.put("path", f.path());
            n.put("blob", f.blob());
            n.put("message", f.message());
            f.images().forEach(n.putArray("images")::add);
        }
        return root;
    }
}
