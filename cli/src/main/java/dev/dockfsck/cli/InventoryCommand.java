package dev.dockfsck.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.checker.Checker;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.checker.output.ReportText;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.container.Container;
import dev.dockfsck.model.image.Image;
import dev.dockfsck.model.image.ImageConfig;
import dev.dockfsck.model.image.Reference;
import dev.dockfsck.model.layer.Layer;
import dev.dockfsck.model.store.DataRoot;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dockfsck inventory}: what the store holds, read only. */
@Command(name = "inventory", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Lists what a Docker data root holds, read only: images with their tags, layers and sizes, "
                + "layers, containers, and the bytes a repair would reclaim. Each image and container says whether "
                + "the (shallow) check finds it damaged."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:listed", "8:operational error (root unreadable, not a Docker root)", "16:usage error"})
public final class InventoryCommand implements Callable<Integer> {
    @Option(names = "--root", paramLabel = "DIR", defaultValue = Main.DEFAULT_ROOT,
            description = "Docker data root (default: ${DEFAULT-VALUE})")
    Path root;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    CheckCommand.Format format;

    /** One image of the inventory. */
    record ImageRow(Digest id, List<String> tags, List<Digest> chain, long size, long uniqueSize, List<String> containers,
                    boolean damaged) {
    }

    @Override
    public Integer call() throws IOException {
        DataRoot store = CheckCommand.read(root);
        Report report = new Checker(null).check(store, Checker.Options.shallow());
        Map<Digest, List<String>> tags = new HashMap<>();
        for (Reference r : store.repositories().references().optional().orElse(List.of())) {
            Digest.tryParse(r.target()).ifPresent(d -> tags.computeIfAbsent(d, k -> new ArrayList<>()).add(r.ref()));
        }
        Map<Digest, List<String>> containersOf = new HashMap<>();
        for (Container c : store.containers().values()) {
            c.config().optional().flatMap(cfg -> Digest.tryParse(cfg.image()))
                    .ifPresent(d -> containersOf.computeIfAbsent(d, k -> new ArrayList<>()).add(c.id()));
        }
        Map<Digest, Integer> users = new HashMap<>();
        Map<Digest, List<Digest>> chains = new TreeMap<>();
        for (Image i : store.imageDb().images().values()) {
            List<Digest> chain = i.config().optional().map(ImageConfig::chainIds).orElse(List.of());
            chains.put(i.id(), chain);
            new LinkedHashSet<>(chain).forEach(c -> users.merge(c, 1, Integer::sum));
        }
        List<ImageRow> images = new ArrayList<>();
        for (Map.Entry<Digest, List<Digest>> e : chains.entrySet()) {
            long size = 0;
            long unique = 0;
            for (Digest c : new LinkedHashSet<>(e.getValue())) {
                long s = layerSize(store, c);
                size += s;
                if (users.getOrDefault(c, 0) == 1) {
                    unique += s;
                }
            }
            images.add(new ImageRow(e.getKey(), tags.getOrDefault(e.getKey(), List.of()), e.getValue(), size, unique,
                    containersOf.getOrDefault(e.getKey(), List.of()), report.isDamaged(Subject.image(e.getKey()))));
        }
        long layerBytes = store.layerDb().layers().keySet().stream().mapToLong(c -> layerSize(store, c)).sum();
        PrintStream out = Output.stdout();
        if (format == CheckCommand.Format.json) {
            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .disable(com.fasterxml.jackson.core.JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            json.writeValue(out, json(store, report, images, users, layerBytes, json));
            out.println();
        } else {
            text(store, report, images, layerBytes, out);
        }
        out.flush();
        return ExitCodes.CLEAN;
    }

    private static long layerSize(DataRoot store, Digest chainId) {
        return store.layerDb().layer(chainId).flatMap(l -> l.size().optional()).orElse(0L);
    }

    private static ObjectNode json(DataRoot store, Report report, List<ImageRow> images, Map<Digest, Integer> users,
                                   long layerBytes, ObjectMapper json) {
        ObjectNode doc = json.createObjectNode();
        doc.put("schema", "dockfsck.inventory/v1");
        doc.put("root", store.root().toString());
        doc.put("driver", store.driver());
        ArrayNode is = doc.putArray("images");
        for (ImageRow i : images) {
            ObjectNode n = is.addObject();
            n.put("id", i.id().toString());
            i.tags().forEach(n.putArray("tags")::add);
            ArrayNode ls = n.putArray("layers");
            i.chain().forEach(c -> ls.add(c.toString()));
            n.put("size", i.size());
            n.put("unique_size", i.uniqueSize());
            i.containers().forEach(n.putArray("containers")::add);
            n.put("damaged", i.damaged());
        }
        ArrayNode ls = doc.putArray("layers");
        for (Layer l : store.layerDb().layers().values()) {
            ObjectNode n = ls.addObject();
            n.put("chain_id", l.chainId().toString());
            l.diffId().optional().ifPresent(d -> n.put("diff_id", d.toString()));
            l.parent().optional().ifPresent(d -> n.put("parent", d.toString()));
            l.cacheId().optional().ifPresent(c -> n.put("cache_id", c));
            l.size().optional().ifPresent(s -> n.put("size", s));
            n.put("images", users.getOrDefault(l.chainId(), 0));
            n.put("damaged", report.isDamaged(Subject.layer(l.chainId())));
        }
        ArrayNode cs = doc.putArray("containers");
        for (Container c : store.containers().values()) {
            ObjectNode n = cs.addObject();
            n.put("id", c.id());
            c.config().optional().ifPresent(cfg -> {
                n.put("name", cfg.name());
                n.put("image", cfg.image());
                cfg.imageName().ifPresent(v -> n.put("image_name", v));
                n.put("running", cfg.running());
            });
            n.put("damaged", report.isDamaged(Subject.container(c.id())));
        }
        ObjectNode t = doc.putObject("totals");
        t.put("images", images.size());
        t.put("tags", images.stream().mapToInt(i -> i.tags().size()).sum());
        t.put("layers", store.layerDb().layers().size());
        t.put("layer_bytes", layerBytes);
        t.put("containers", store.containers().size());
        t.put("reclaimable_bytes", report.summary().bytesReclaimable());
        return doc;
    }

    private static void text(DataRoot store, Report report, List<ImageRow> images, long layerBytes, PrintStream out) {
        out.println("inventory of " + store.root() + " (" + store.driver() + ")");
        out.println();
        out.println("images: " + images.size());
        for (ImageRow i : images) {
            out.printf("  %s  %-32s %2d layer(s) %10s (%s its own)  %d container(s)%s%n", i.id().shortHex(),
                    i.tags().isEmpty() ? "<untagged>" : String.join(", ", i.tags()), i.chain().size(),
                    ReportText.human(i.size()), ReportText.human(i.uniqueSize()), i.containers().size(),
                    i.damaged() ? "  DAMAGED" : "");
        }
        out.println();
        out.println("layers: " + store.layerDb().layers().size() + ", " + ReportText.human(layerBytes)
                + " (each shared layer counted once)");
        out.println();
        out.println("containers: " + store.containers().size());
        for (Container c : store.containers().values()) {
            String name = c.config().optional().map(cfg -> cfg.name()).orElse("?");
            String image = c.config().optional().map(cfg -> cfg.imageName().orElse(cfg.image())).orElse("?");
            boolean running = c.config().optional().map(cfg -> cfg.running()).orElse(false);
            out.println("  " + c.id().substring(0, Math.min(12, c.id().length())) + "  " + name + "  image " + image
                    + (running ? "  (marked running)" : "")
                    + (report.isDamaged(Subject.container(c.id())) ? "  DAMAGED" : ""));
        }
        out.println();
        out.println("reclaimable: " + ReportText.human(report.summary().bytesReclaimable()));
    }
}
