package dev.dockfsck.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.checker.ContentVerifier;
import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.fs.JsonTree;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Incremental deep verify ({@code --incremental}): a ledger in the state dir of the layers already
 * proven, each keyed by what was proven (chainID, cache-id, diffID, and the size and mtime of the
 * tar-split that was hashed with {@code diff/}). A registered layer is immutable, so a power cut
 * can only hurt layers written since: a deep verify then proves only layers the ledger lacks,
 * in the store's order within an optional time budget, and {@code --full} proves every layer again. A
 * layer with a finding, removed, or whose key changed (re-registered, tar-split rebuilt) drops from
 * the ledger. The ledger is written atomically and fsynced, and carries the sha256 of its entries:
 * a torn or garbled ledger is ignored (every layer is proven again), never trusted.
 */
final class DeepLedger {
    static final String FILE_NAME = "deep-ledger.json";
    static final String SCHEMA = "dockfsck.deep-ledger/v1";
    /**
     * The mapper that writes a changed ledger, made then: a boot whose ledger already holds every
     * layer reads it ({@link JsonTree}) and writes nothing, and initializing an ObjectMapper is
     * ~25 ms of such a start.
     */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    /** What one run did: proven before (skipped), verified now, left for a later run by the budget. */
    record Stats(int skipped, int verified, int deferred, boolean ledgerIgnored) {
    }

    private final Path file;
    private final String root;
    /** key -> chainID */
    private final Map<String, String> proven = new TreeMap<>();
    private final boolean ignored;

    private DeepLedger(Path file, String root) {
        this.file = file;
        this.root = root;
        this.ignored = !load();
    }

    static DeepLedger open(Path stateDir, Path root) {
        String key = Digest.sha256Of(root.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8))
                .hex().substring(0, 12);
        return new DeepLedger(stateDir.resolve("deep-ledger-" + key + ".json"), root.toAbsolutePath().normalize().toString());
    }

    Path file() {
        return file;
    }

    /** Whether a ledger was there but could not be trusted. */
    boolean ignored() {
        return ignored;
    }

    int size() {
        return proven.size();
    }

    /** @return false when a ledger exists but is torn, garbled or for another root */
    private boolean load() {
        if (!Files.exists(file)) {
            return true;
        }
        try {
            JsonNode doc = JsonTree.parse(Files.readAllBytes(file));
            if (doc == null || !SCHEMA.equals(doc.path("schema").asText()) || !root.equals(doc.path("root").asText())) {
                return false;
            }
            JsonNode layers = doc.get("layers");
            if (layers == null || !layers.isArray()
                    || !digestOf(layers).equals(doc.path("sha256").asText())) {
                return false;
            }
            for (JsonNode l : layers) {
                proven.put(l.get("key").asText(), l.get("chain_id").asText());
            }
            return true;
        } catch (IOException | RuntimeException e) {
            proven.clear();
            return false;
        }
    }

    private static String digestOf(JsonNode layers) throws IOException {
        return Digest.sha256Of(JsonTree.bytes(layers)).toString();
    }

    /** What a proof of this job covers; null when it cannot be said (then it is always verified). */
    static String key(ContentVerifier.Job job) {
        try {
            BasicFileAttributes ts = Files.readAttributes(job.layer().tarSplitPath(), BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            return job.layer().chainId() + " " + job.cacheDir().id() + " "
                    + job.layer().diffId().optional().map(Digest::toString).orElse("?") + " tar-split:" + ts.size()
                    + "@" + ts.lastModifiedTime().toMillis();
        } catch (IOException e) {
            return null;
        }
    }

    boolean isProven(ContentVerifier.Job job) {
        String k = key(job);
        return k != null && proven.containsKey(k);
    }

    /** Records this run's outcome: the proven jobs in, those with findings and the store's vanished layers out. */
    void update(List<ContentVerifier.Job> all, List<ContentVerifier.Job> verified, List<Finding> findings) throws IOException {
        Set<String> bad = new HashSet<>();
        for (Finding f : findings) {
            if (f.subject().kind() == Subject.Kind.LAYER) {
                bad.add(f.subject().id());
            }
        }
        Set<String> present = new HashSet<>();
        for (ContentVerifier.Job j : all) {
            String k = key(j);
            if (k != null) {
                present.add(k);
            }
        }
        boolean changed = proven.keySet().retainAll(present);
        changed |= proven.values().removeIf(bad::contains);
        for (ContentVerifier.Job j : verified) {
            String k = key(j);
            String chainId = j.layer().chainId().toString();
            if (k != null && !bad.contains(chainId)) {
                changed |= !chainId.equals(proven.put(k, chainId));
            }
        }
        if (!changed && !ignored && Files.exists(file)) {
            return; // what it holds is already on disk: no write (and no fsync) at every boot
        }
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("schema", SCHEMA);
        doc.put("root", root);
        ArrayNode layers = Json.MAPPER.createArrayNode();
        proven.forEach((k, c) -> layers.addObject().put("key", k).put("chain_id", c));
        doc.put("sha256", digestOf(layers));
        doc.set("layers", layers);
        AtomicFiles.write(file, Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(doc));
    }

    /**
     * The content verifier for a run: proves only what the ledger lacks (everything with
     * {@code full}), within {@code budgetNanos} (0: none) checked between batches of {@code jobs}
     * layers, and updates the ledger. {@code stats} receives what it did.
     */
    static ContentVerifier verifier(ContentVerifier inner, DeepLedger ledger, boolean full, long budgetNanos,
                                    java.util.function.Consumer<Stats> stats) {
        return (all, jobs, progress) -> {
            long start = System.nanoTime();
            List<ContentVerifier.Job> todo = new ArrayList<>();
            int skipped = 0;
            for (ContentVerifier.Job j : all) {
                if (!full && ledger.isProven(j)) {
                    skipped++;
                } else {
                    todo.add(j);
                }
            }
            long[] sum = new long[2];
            long[] nanos = {0};
            ContentVerifier.Progress quiet = new ContentVerifier.Progress() {
                @Override
                public void update(long done, long total) {
                    progress.update(sum[1] + done, 0);
                }

                @Override
                public void done(int layers, long bytes, long n, int j) {
                    sum[0] += layers;
                    sum[1] += bytes;
                    nanos[0] += n;
                }
            };
            List<Finding> findings = new ArrayList<>();
            List<ContentVerifier.Job> verified = new ArrayList<>();
            int step = Math.max(1, jobs);
            int i = 0;
            while (i < todo.size()) {
                if (budgetNanos > 0 && i > 0 && System.nanoTime() - start > budgetNanos) {
                    break;
                }
                List<ContentVerifier.Job> batch = todo.subList(i, Math.min(todo.size(), i + (budgetNanos > 0 ? step : todo.size())));
                findings.addAll(inner.verify(batch, jobs, quiet));
                verified.addAll(batch);
                i += batch.size();
            }
            progress.done((int) sum[0], sum[1], nanos[0], Math.max(1, Math.min(jobs, Math.max(1, verified.size()))));
            try {
                ledger.update(all, verified, findings);
            } catch (IOException e) {
                Output.stderr().println("dockfsck: cannot write the deep-verify ledger " + ledger.file() + ": " + e.getMessage());
            }
            stats.accept(new Stats(skipped, verified.size(), todo.size() - verified.size(), ledger.ignored()));
            return findings;
        };
    }
}
