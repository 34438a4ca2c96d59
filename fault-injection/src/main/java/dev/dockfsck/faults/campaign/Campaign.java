package dev.dockfsck.faults.campaign;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.faults.crash.CrashState;
import dev.dockfsck.faults.crash.CrashStates;
import dev.dockfsck.faults.record.Recorder;
import dev.dockfsck.faults.record.Recording;
import dev.dockfsck.faults.record.Replayer;
import dev.dockfsck.fixtures.appstore.ResetAppsStore;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.image.BuiltImage;
import dev.dockfsck.fixtures.image.DockerArchive;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import dev.dockfsck.model.Digest;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A crash campaign (issue 13 item 4): records the load of the user's image archives on a real
 * dockerd (the first archive, when there are several, loaded before the trace: the bystander that
 * must survive every state untouched), generates crash states, and per state runs what a device
 * runs at boot: {@code check --deep}, {@code repair --deep --app-store} (again with
 * {@code --force} when it left something for a person), dockerd, {@code restore --pending}; then
 * verifies the invariants (see {@link #verify}). One state on disk at a time; each its own dockerd,
 * root, socket and exec root.
 */
public final class Campaign {
    public record Options(List<Path> images, Optional<Path> appStore, Optional<Path> recording, int states, long seed,
                          CrashStates.Shard shard, Optional<Integer> only, Path work, Dockfsck dockfsck, boolean keep, boolean pull) {
    }

    /** One state's outcome. */
    public record Result(int index, String phase, String description, boolean consistent, int checkExit, int repairExit,
                         int restoreExit, boolean reloadedByAgent, List<String> broken, long millis, String reproduce,
                         boolean faithful) {
        public boolean healed() {
            return broken.isEmpty();
        }

        public boolean detected() {
            return checkExit != 0;
        }

        public boolean healthyLost() {
            return broken.stream().anyMatch(b -> b.startsWith("bystander"));
        }
    }

    public record Summary(List<Result> results, int recordedOps, Path work) {
        public boolean allHealed() {
            return results.stream().allMatch(Result::healed);
        }
    }

    private final Options o;
    private final PrintStream out;
    private Path store;
    private TreeSnapshot storeBefore;
    private Recording rec;
    private List<Digest> loaded = List.of();
    private List<Digest> bystanders = List.of();
    private Map<String, TreeSnapshot> bystanderDirs = new TreeMap<>();

    private Campaign(Options o, PrintStream out) {
        this.o = o;
        this.out = out;
    }

    public static Summary run(Options o, PrintStream out) throws IOException {
        return new Campaign(o, out).run();
    }

    private Summary run() throws IOException {
        Files.createDirectories(o.work());
        o.dockfsck().assertRuns(o.work().resolve("dockfsck-version.log"));
        Path recDir = o.recording().orElse(o.work().resolve("recording"));
        List<Path> archives;
        store = o.appStore().orElse(null);
        if (o.recording().isPresent()) {
            rec = Recorder.load(recDir);
            archives = new ArrayList<>(readSetupArchives(recDir));
            archives.addAll(rec.archives());
            if (store == null) {
                store = o.work().resolve("reset-apps");
            }
        } else {
            archives = o.images();
            if (store == null) {
                archives = makeAppStore(archives);
            }
            List<Path> before = archives.size() > 1 ? archives.subList(0, 1) : List.of();
            List<Path> traced = archives.size() > 1 ? archives.subList(1, archives.size()) : archives;
            writeSetupArchives(recDir, before);
            out.println("faults: recording docker " + (o.pull() ? "pull" : "load") + " of " + traced
                    + (before.isEmpty() ? "" : " (bystander loaded first: " + before + ")"));
            if (o.pull()) {
                try (dev.dockfsck.faults.record.LocalRegistry reg = dev.dockfsck.faults.record.LocalRegistry.start(o.work().resolve("registry"))) {
                    List<String> refs = new ArrayList<>();
                    for (int i = 0; i < traced.size(); i++) {
                        refs.add(reg.push(traced.get(i), "dockfsck/campaign-" + (i + 1) + ":1"));
                    }
                    rec = Recorder.record(recDir, Recorder.Operation.pulls(before, refs, traced));
                }
            } else {
                rec = Recorder.record(recDir, Recorder.Operation.loads(before, traced));
            }
        }
        int setup = archives.size() - rec.archives().size();
        List<Digest> by = new ArrayList<>();
        List<Digest> ld = new ArrayList<>();
        for (int i = 0; i < archives.size(); i++) {
            for (BuiltImage img : DockerArchive.read(archives.get(i))) {
                (i < setup ? by : ld).add(img.imageId());
            }
        }
        bystanders = by;
        loaded = ld;
        storeBefore = TreeSnapshot.of(store, false);
        for (Digest b : bystanders) {
            for (String dir : layerDirs(rec.before(), b)) {
                bystanderDirs.put(dir, TreeSnapshot.of(rec.before().resolve(dir), true));
            }
        }
        List<CrashState> states = o.only().isPresent()
                ? List.of(CrashStates.state(rec.ops(), CrashStates.fixedPoints(rec.ops()), o.seed(), o.only().get()))
                : CrashStates.generate(rec.ops(), o.states(), o.seed(), o.shard());
        out.println("faults: " + rec.ops().size() + " recorded ops, " + CrashStates.fixedPoints(rec.ops()).size()
                + " fixed points; running " + states.size() + " state(s) of seed " + o.seed() + " shard " + o.shard().k() + "/" + o.shard().n());
        List<Result> results = new ArrayList<>();
        Path jsonl = o.work().resolve("campaign.jsonl");
        Files.deleteIfExists(jsonl);
        for (CrashState s : states) {
            Result r = runState(s, recDir);
            results.add(r);
            String line = json(r);
            Files.writeString(jsonl, line + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            out.println(line);
            if (!r.healed()) {
                out.println("faults: state " + r.index() + " NOT healed: " + r.broken() + "\n  reproduce: " + r.reproduce());
            }
        }
        return new Summary(results, rec.ops().size(), o.work());
    }

    private Result runState(CrashState s, Path recDir) throws IOException {
        long t0 = System.nanoTime();
        Path dir = o.work().resolve("state-" + s.index());
        if (Files.exists(dir)) {
            rm(dir);
        }
        Files.createDirectories(dir);
        Path root = dir.resolve("root");
        Path log = dir.resolve("dockfsck.log");
        Path stateDir = dir.resolve("state");
        List<String> broken = new ArrayList<>();
        int n = rec.ops().size();
        boolean consistent = s.crashPoint() == 0 || (s.crashPoint() == n && s.metadataCut() == n && s.writes().isEmpty());
        Replayer.replay(rec, s.ops(rec.ops()), root);
        String apps = "--app-store=" + store;
        int check = o.dockfsck().run(log, "check", "--root", root.toString(), "--deep", apps);
        int repair = o.dockfsck().run(log, "repair", "--root", root.toString(), "--deep", apps, "--state-dir", stateDir.toString());
        if ((repair & 4) != 0) {
            repair = o.dockfsck().run(log, "repair", "--root", root.toString(), "--deep", apps, "--state-dir", stateDir.toString(), "--force");
        }
        if (repair >= 8) {
            broken.add("repair failed: exit " + repair);
        }
        int restore = -1;
        boolean reloaded = false;
        try (Dockerd d = Dockerd.start(dir.resolve("dockerd"), root)) {
            restore = o.dockfsck().run(log, "restore", "--pending", "--host", d.host(), apps, "--state-dir", stateDir.toString());
            if (restore != 0) {
                broken.add("restore --pending: exit " + restore);
            }
            for (Digest id : bystanders) {
                if (!present(d, id)) {
                    broken.add("bystander image " + id.shortHex() + " lost");
                }
            }
            for (Digest id : loaded) {
                if (!present(d, id)) {
                    // no trace of the load was left: the agent loads it again, as it would with dockerd alone
                    Dockerd.Result r = d.docker("load", "-i", archiveOf(id).toString());
                    reloaded = true;
                    if (!r.ok() || !present(d, id)) {
                        broken.add("image " + id.shortHex() + " neither restored nor re-loadable: " + r.stderr().strip());
                    }
                }
            }
            String errors = storeErrors(d);
            if (!errors.isEmpty()) {
                broken.add("dockerd logs store errors: " + errors);
            }
        } catch (IOException | RuntimeException e) {
            broken.add("dockerd does not start or answer: " + e.getMessage().lines().findFirst().orElse(""));
        }
        for (Map.Entry<String, TreeSnapshot> e : bystanderDirs.entrySet()) {
            Path p = root.resolve(e.getKey());
            if (!Files.isDirectory(p) || !TreeSnapshot.of(p, true).equals(e.getValue())) {
                broken.add("bystander " + e.getKey() + " changed or removed");
            }
        }
        int fin = o.dockfsck().run(log, "check", "--root", root.toString(), "--deep", apps);
        if (fin != 0) {
            broken.add("final check --deep: exit " + fin);
        }
        if (!TreeSnapshot.of(store, false).equals(storeBefore)) {
            broken.add("the app store changed");
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String reproduce = "dockfsck faults campaign --recording " + recDir.toAbsolutePath() + " --app-store " + store.toAbsolutePath()
                + " --seed " + o.seed() + " --only " + s.index() + " --work " + o.work().resolve("repro-" + s.index()).toAbsolutePath() + " --keep";
        if (broken.isEmpty() && !o.keep()) {
            rm(dir);
        }
        return new Result(s.index(), s.phase(rec.ops()), s.describe(rec.ops()), consistent, check, repair, restore, reloaded,
                broken, ms, reproduce, CrashStates.faithful(rec.ops(), s));
    }

    /**
     * Makes an app store of the archives' images with skopeo (as the OTA agent keeps one), and
     * returns the archives to load: the same images with the config the store holds (skopeo
     * re-writes some configs when it turns them into OCI ones, which gives another image ID; a
     * device loads what its store holds).
     */
    private List<Path> makeAppStore(List<Path> archives) throws IOException {
        store = o.work().resolve("reset-apps");
        List<BuiltImage> all = new ArrayList<>();
        for (Path a : archives) {
            all.addAll(DockerArchive.read(a));
        }
        List<String> apps = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            apps.add("app" + (i + 1));
        }
        out.println("faults: making an app store of the images with skopeo: " + store);
        List<ResetAppsStore.Entry> entries = ResetAppsStore.write(store, all, apps, o.work().resolve("app-archives"));
        Path loads = Files.createDirectories(o.work().resolve("loads"));
        List<Path> out = new ArrayList<>();
        ObjectMapper m = new ObjectMapper();
        for (ResetAppsStore.Entry e : entries) {
            Path blobs = store.resolve("blobs/sha256");
            String configHex = Digest.parse(m.readTree(blobs.resolve(e.manifestDigest().hex()).toFile())
                    .path("config").path("digest").asText()).hex();
            byte[] config = Files.readAllBytes(blobs.resolve(configHex));
            Path a = loads.resolve(e.app() + ".tar");
            DockerArchive.write(List.of(new BuiltImage(e.image().spec(), config, e.image().layers())), a);
            out.add(a);
        }
        return out;
    }

    private static boolean present(Dockerd d, Digest id) {
        Dockerd.Result r = d.docker("image", "inspect", "--format", "{{.Id}}", id.toString());
        return r.ok() && r.stdout().strip().equals(id.toString());
    }

    /** what dockerd logged about a broken store (the lines the sweeps look for) */
    private static String storeErrors(Dockerd d) throws IOException {
        if (!Files.exists(d.log())) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (String line : Files.readAllLines(d.log(), StandardCharsets.UTF_8)) {
            if (line.contains("not restoring image") || line.contains("failed to verify") || line.contains("Couldn't create reference store")) {
                b.append(line.strip()).append("; ");
            }
        }
        return b.toString();
    }

    private Path archiveOf(Digest id) throws IOException {
        for (Path a : rec.archives()) {
            for (BuiltImage img : DockerArchive.read(a)) {
                if (img.imageId().equals(id)) {
                    return a;
                }
            }
        }
        throw new IOException("no archive holds " + id);
    }

    /** the layerdb and overlay2 dirs of an image's layers in {@code root} */
    static List<String> layerDirs(Path root, Digest imageId) throws IOException {
        List<String> out = new ArrayList<>();
        Path config = root.resolve("image/overlay2/imagedb/content/sha256").resolve(imageId.hex());
        if (!Files.isRegularFile(config)) {
            return out;
        }
        com.fasterxml.jackson.databind.JsonNode diffIds = new ObjectMapper().readTree(config.toFile()).path("rootfs").path("diff_ids");
        Digest parent = null;
        for (com.fasterxml.jackson.databind.JsonNode d : diffIds) {
            parent = Digest.chainId(parent, Digest.parse(d.asText()));
            String layer = "image/overlay2/layerdb/sha256/" + parent.hex();
            out.add(layer);
            Path cache = root.resolve(layer).resolve("cache-id");
            if (Files.isRegularFile(cache)) {
                out.add("overlay2/" + Files.readString(cache).strip() + "/diff");
            }
        }
        return out;
    }

    private static void writeSetupArchives(Path recDir, List<Path> before) throws IOException {
        Files.createDirectories(recDir.getParent());
        Files.writeString(recDir.resolveSibling(recDir.getFileName() + ".bystanders"),
                String.join("\n", before.stream().map(p -> p.toAbsolutePath().toString()).toList()));
    }

    private static List<Path> readSetupArchives(Path recDir) throws IOException {
        Path f = recDir.resolveSibling(recDir.getFileName() + ".bystanders");
        if (!Files.exists(f)) {
            return List.of();
        }
        return Files.readAllLines(f).stream().filter(l -> !l.isBlank()).map(Path::of).toList();
    }

    static void rm(Path dir) throws IOException {
        try {
            new ProcessBuilder("rm", "-rf", "--one-file-system", dir.toString()).inheritIO().start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    static String json(Result r) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("state", r.index()).put("phase", r.phase()).put("description", r.description()).put("consistent", r.consistent())
                .put("checkExit", r.checkExit()).put("detected", r.detected()).put("repairExit", r.repairExit())
                .put("restoreExit", r.restoreExit()).put("reloadedByAgent", r.reloadedByAgent()).put("healed", r.healed())
                .put("healthyLost", r.healthyLost()).put("faithful", r.faithful()).put("millis", r.millis());
        r.broken().forEach(b -> n.withArray("broken").add(b));
        if (!r.healed()) {
            n.put("reproduce", r.reproduce());
        }
        return n.toString();
    }
}
