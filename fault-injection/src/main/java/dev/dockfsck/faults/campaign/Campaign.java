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
    /** The operation a campaign crashes. */
    public enum Op {
        LOAD, PULL, RUN, RM, RMI;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Op parse(String s) {
            for (Op o : values()) {
                if (o.word().equals(s)) {
                    return o;
                }
            }
            throw new IllegalArgumentException("an operation is one of load, pull, run, rm, rmi; got " + s);
        }

        boolean containerOp() {
            return this == RUN || this == RM || this == RMI;
        }
    }

    /**
     * {@code kills}: real process crashes (kill -9 of dockerd and everything below it at a seeded
     * time during the operation), states of their own after the power cuts; {@code onlyKill} runs
     * one of them alone. {@code dockerdAloneEvery}: every N-th state (0: none) is also run with
     * dockerd alone plus an agent that redoes what is missing, on a second copy of the state.
     */
    public record Options(List<Path> images, Optional<Path> appStore, Optional<Path> recording, int states, long seed,
                          CrashStates.Shard shard, Optional<Integer> only, Path work, Dockfsck dockfsck, boolean keep, Op op,
                          int kills, Optional<Integer> onlyKill, int dockerdAloneEvery) {
        public Options(List<Path> images, Optional<Path> appStore, Optional<Path> recording, int states, long seed,
                       CrashStates.Shard shard, Optional<Integer> only, Path work, Dockfsck dockfsck, boolean keep, boolean pull) {
            this(images, appStore, recording, states, seed, shard, only, work, dockfsck, keep, pull ? Op.PULL : Op.LOAD, 0,
                    Optional.empty(), 0);
        }
    }

    /** One state's outcome. */
    public record Result(int index, String phase, String description, boolean consistent, int checkExit, int repairExit,
                         int restoreExit, boolean reloadedByAgent, List<String> broken, long millis, String reproduce,
                         boolean faithful, String kind, String op, String dockerdAlone) {
        /** a power-cut state of a load (the older form) */
        public Result(int index, String phase, String description, boolean consistent, int checkExit, int repairExit,
                      int restoreExit, boolean reloadedByAgent, List<String> broken, long millis, String reproduce, boolean faithful) {
            this(index, phase, description, consistent, checkExit, repairExit, restoreExit, reloadedByAgent, broken, millis, reproduce,
                    faithful, "power-cut", "load", null);
        }

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

    private Op op;
    /** the image a container op acts on (its victim container's image; the image rmi removes) */
    private Digest victimImage;
    private String victimRef;
    /** the keeper container's id (made before the trace by a container op), or null */
    private String keeperId;
    private long opMillis = -1;

    private Summary run() throws IOException {
        Files.createDirectories(o.work());
        o.dockfsck().assertRuns(o.work().resolve("dockfsck-version.log"));
        Path recDir = o.recording().orElse(o.work().resolve("recording"));
        List<Path> archives;
        store = o.appStore().orElse(null);
        if (o.recording().isPresent()) {
            rec = Recorder.load(recDir);
            op = Op.parse(recordingProperty(recDir, "operation", "load"));
            archives = new ArrayList<>(readSetupArchives(recDir));
            archives.addAll(rec.archives());
            if (store == null) {
                store = o.work().resolve("reset-apps");
            }
        } else {
            op = o.op();
            archives = o.images();
            if (store == null) {
                archives = makeAppStore(archives);
            }
            if (op.containerOp() && archives.size() < 2) {
                throw new IOException("docker " + op.word() + " needs two archives: the first for the keeper container, the second its victim");
            }
            List<Path> before = op.containerOp() ? archives : archives.size() > 1 ? archives.subList(0, 1) : List.of();
            List<Path> traced = op.containerOp() ? List.of() : archives.size() > 1 ? archives.subList(1, archives.size()) : archives;
            writeSetupArchives(recDir, before);
            out.println("faults: recording docker " + op.word() + (op.containerOp() ? " (images loaded first: " + before + ")"
                    : " of " + traced + (before.isEmpty() ? "" : " (bystander loaded first: " + before + ")")));
            if (op == Op.PULL) {
                try (dev.dockfsck.faults.record.LocalRegistry reg = dev.dockfsck.faults.record.LocalRegistry.start(o.work().resolve("registry"))) {
                    List<String> refs = new ArrayList<>();
                    for (int i = 0; i < traced.size(); i++) {
                        refs.add(reg.push(traced.get(i), "dockfsck/campaign-" + (i + 1) + ":1"));
                    }
                    rec = Recorder.record(recDir, Recorder.Operation.pulls(before, refs, traced));
                }
            } else if (op == Op.LOAD) {
                rec = Recorder.record(recDir, Recorder.Operation.loads(before, traced));
            } else {
                String keeper = firstTag(archives.get(0));
                String victim = firstTag(archives.get(1));
                rec = Recorder.record(recDir, op == Op.RUN ? Recorder.Operation.run(before, keeper, victim)
                        : op == Op.RM ? Recorder.Operation.rm(before, keeper, victim) : Recorder.Operation.rmi(before, keeper, victim));
            }
        }
        int setup = archives.size() - rec.archives().size();
        List<Digest> by = new ArrayList<>();
        List<Digest> ld = new ArrayList<>();
        for (int i = 0; i < archives.size(); i++) {
            for (BuiltImage img : DockerArchive.read(archives.get(i))) {
                boolean victim = op == Op.RMI && i == 1;
                (i < setup && !victim ? by : ld).add(img.imageId());
            }
        }
        if (op.containerOp()) {
            victimImage = DockerArchive.read(archives.get(1)).get(0).imageId();
            victimRef = firstTag(archives.get(1));
            ld.remove(victimImage);
        }
        bystanders = by;
        loaded = ld;
        storeBefore = TreeSnapshot.of(store, false);
        for (Digest b : bystanders) {
            for (String dir : layerDirs(rec.before(), b)) {
                bystanderDirs.put(dir, TreeSnapshot.of(rec.before().resolve(dir), true));
            }
        }
        if (op.containerOp()) {
            keeperId = containerId(rec.before(), Recorder.Operation.KEEPER);
            if (keeperId == null) {
                throw new IOException("no keeper container in " + rec.before());
            }
            for (String dir : containerDirs(rec.before(), keeperId)) {
                bystanderDirs.put(dir, TreeSnapshot.of(rec.before().resolve(dir), true));
            }
            String vol = "volumes/" + Recorder.Operation.KEEPER_VOLUME + "/_data";
            bystanderDirs.put(vol, TreeSnapshot.of(rec.before().resolve(vol), true));
        }
        List<CrashState> states = o.onlyKill().isPresent() ? List.of()
                : o.only().isPresent()
                ? List.of(CrashStates.state(rec.ops(), CrashStates.fixedPoints(rec.ops()), o.seed(), o.only().get()))
                : CrashStates.generate(rec.ops(), o.states(), o.seed(), o.shard());
        List<Integer> kills = new ArrayList<>();
        if (o.onlyKill().isPresent()) {
            kills.add(o.onlyKill().get());
        } else if (o.only().isEmpty()) {
            for (int i = 0; i < o.kills(); i++) {
                if (o.shard().holds(i)) {
                    kills.add(i);
                }
            }
        }
        out.println("faults: docker " + op.word() + ": " + rec.ops().size() + " recorded ops, " + CrashStates.fixedPoints(rec.ops()).size()
                + " fixed points; running " + states.size() + " power-cut state(s) and " + kills.size() + " kill -9 state(s) of seed "
                + o.seed() + " shard " + o.shard().k() + "/" + o.shard().n()
                + (o.dockerdAloneEvery() > 0 ? "; dockerd alone on every " + o.dockerdAloneEvery() + ". state" : ""));
        List<Result> results = new ArrayList<>();
        Path jsonl = o.work().resolve("campaign.jsonl");
        Files.deleteIfExists(jsonl);
        List<Object> all = new ArrayList<>(states);
        all.addAll(kills);
        for (Object st : all) {
            Result r = st instanceof CrashState cs ? runState(cs, null, recDir) : runState(null, (Integer) st, recDir);
            results.add(r);
            String line = json(r);
            Files.writeString(jsonl, line + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            out.println(line);
            if (!r.healed()) {
                out.println("faults: " + r.kind() + " state " + r.index() + " NOT healed: " + r.broken() + "\n  reproduce: " + r.reproduce());
            }
        }
        return new Summary(results, rec.ops().size(), o.work());
    }

    private static String firstTag(Path archive) throws IOException {
        List<BuiltImage> imgs = DockerArchive.read(archive);
        if (imgs.isEmpty() || imgs.get(0).repoTags().isEmpty()) {
            throw new IOException(archive + ": no tagged image in it");
        }
        return imgs.get(0).repoTags().get(0);
    }

    private static String recordingProperty(Path recDir, String key, String dflt) throws IOException {
        java.util.Properties p = new java.util.Properties();
        Path f = recDir.resolve("recording.properties");
        if (!Files.isRegularFile(f)) {
            throw new IOException(f + ": not a recording (no recording.properties)");
        }
        try (var r = Files.newBufferedReader(f)) {
            p.load(r);
        }
        return p.getProperty(key, dflt);
    }

    /** The id of the container named {@code name} in a data root, or null. */
    static String containerId(Path root, String name) throws IOException {
        Path dir = root.resolve("containers");
        if (!Files.isDirectory(dir)) {
            return null;
        }
        try (var s = Files.list(dir)) {
            for (Path c : s.toList()) {
                Path cfg = c.resolve("config.v2.json");
                if (Files.isRegularFile(cfg)) {
                    try {
                        if (("/" + name).equals(new ObjectMapper().readTree(cfg.toFile()).path("Name").asText())) {
                            return c.getFileName().toString();
                        }
                    } catch (IOException e) {
                        // a damaged config names no container
                    }
                }
            }
        }
        return null;
    }

    /** a container's RW layer and init layer dirs ({@code overlay2/<mount-id>/diff}, {@code -init/diff}) in {@code root} */
    static List<String> containerDirs(Path root, String id) throws IOException {
        List<String> out = new ArrayList<>();
        Path mountId = root.resolve("image/overlay2/layerdb/mounts").resolve(id).resolve("mount-id");
        if (Files.isRegularFile(mountId)) {
            String m = Files.readString(mountId).strip();
            out.add("overlay2/" + m + "/diff");
            out.add("overlay2/" + m + "-init/diff");
        }
        return out;
    }

    /** a crash state's root: the replay of a power-cut state, or a real run of the operation killed with -9 */
    private void makeRoot(CrashState s, Integer kill, Path root, Path dir) throws IOException {
        if (s != null) {
            Replayer.replay(rec, s.ops(rec.ops()), root);
        } else {
            killDuring(kill, root, dir);
        }
    }

    /** the time after which kill state {@code i} kills dockerd: uniform over the operation's duration, seeded */
    private long killAt(int i) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(o.seed() * 0x9E3779B97F4A7C15L ^ (0x4B1L + i));
        return (long) (r.nextDouble() * opMillis);
    }

    /**
     * Runs the operation for real on a copy of the before-snapshot and kills dockerd and every
     * process below it (containerd, docker-untar, shims) with SIGKILL at the seeded time: the page
     * cache survives, so the root is what the kernel had, no power cut.
     */
    private void killDuring(int i, Path root, Path dir) throws IOException {
        if (opMillis < 0) {
            opMillis = calibrate(dir.resolveSibling("calibrate"));
            out.println("faults: docker " + op.word() + " takes " + opMillis + " ms untraced: kill times are drawn in [0, " + opMillis + "]");
        }
        dev.dockfsck.fixtures.dockerd.GoldenStore.copy(rec.before(), root);
        long at = killAt(i);
        try (dev.dockfsck.faults.record.LocalRegistry reg = op == Op.PULL ? registry(dir.resolve("registry")) : null;
             Dockerd d = Dockerd.start(dir.resolve("dockerd-op"), root)) {
            List<List<String>> cmds = commands(reg);
            java.util.concurrent.CompletableFuture<Void> run = java.util.concurrent.CompletableFuture.runAsync(() -> {
                for (List<String> c : cmds) {
                    d.docker(java.time.Duration.ofMinutes(5), c.toArray(String[]::new));
                }
            });
            Recorder.sleepMillis(at);
            List<ProcessHandle> below = ProcessHandle.of(d.pid()).map(h -> h.descendants().toList()).orElse(List.of());
            ProcessHandle.of(d.pid()).ifPresent(ProcessHandle::destroyForcibly);
            below.forEach(ProcessHandle::destroyForcibly);
            d.kill9();
            try {
                run.get(2, java.util.concurrent.TimeUnit.MINUTES);
            } catch (Exception e) {
                // the CLI fails once its daemon is gone
            }
        }
    }

    private long calibrate(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path root = dir.resolve("root");
        dev.dockfsck.fixtures.dockerd.GoldenStore.copy(rec.before(), root);
        long t;
        try (dev.dockfsck.faults.record.LocalRegistry reg = op == Op.PULL ? registry(dir.resolve("registry")) : null;
             Dockerd d = Dockerd.start(dir.resolve("dockerd"), root)) {
            List<List<String>> cmds = commands(reg);
            long t0 = System.nanoTime();
            for (List<String> c : cmds) {
                d.docker(java.time.Duration.ofMinutes(5), c.toArray(String[]::new)).orThrow();
            }
            t = (System.nanoTime() - t0) / 1_000_000;
        }
        rm(dir);
        return Math.max(t, 1);
    }

    private dev.dockfsck.faults.record.LocalRegistry registry(Path dir) throws IOException {
        dev.dockfsck.faults.record.LocalRegistry reg = dev.dockfsck.faults.record.LocalRegistry.start(dir);
        for (int i = 0; i < rec.archives().size(); i++) {
            reg.push(rec.archives().get(i), "dockfsck/campaign-" + (i + 1) + ":1");
        }
        return reg;
    }

    /** the docker commands of the operation (a pull from {@code reg}) */
    private List<List<String>> commands(dev.dockfsck.faults.record.LocalRegistry reg) {
        List<List<String>> c = new ArrayList<>();
        switch (op) {
            case LOAD -> rec.archives().forEach(a -> c.add(List.of("load", "-i", a.toString())));
            case PULL -> {
                for (int i = 0; i < rec.archives().size(); i++) {
                    c.add(List.of("pull", reg.host() + "/dockfsck/campaign-" + (i + 1) + ":1"));
                }
            }
            case RUN -> c.add(List.of("run", "--network", "none", "--name", Recorder.Operation.VICTIM, victimRef, "/bin/true"));
            case RM -> c.add(List.of("rm", Recorder.Operation.VICTIM));
            case RMI -> c.add(List.of("rmi", victimRef));
        }
        return c;
    }

    private Result runState(CrashState s, Integer kill, Path recDir) throws IOException {
        long t0 = System.nanoTime();
        int index = s != null ? s.index() : kill;
        Path dir = o.work().resolve(s != null ? "state-" + index : "kill-" + index);
        if (Files.exists(dir)) {
            rm(dir);
        }
        Files.createDirectories(dir);
        Path root = dir.resolve("root");
        Path log = dir.resolve("dockfsck.log");
        Path stateDir = dir.resolve("state");
        List<String> broken = new ArrayList<>();
        int n = rec.ops().size();
        boolean consistent = s != null && (s.crashPoint() == 0 || (s.crashPoint() == n && s.metadataCut() == n && s.writes().isEmpty()));
        String alone = null;
        if (o.dockerdAloneEvery() > 0 && index % o.dockerdAloneEvery() == 0) {
            Path aroot = dir.resolve("alone-root");
            makeRoot(s, kill, aroot, dir.resolve("alone"));
            alone = dockerdAlone(aroot, dir.resolve("alone"));
            rm(aroot);
        }
        makeRoot(s, kill, root, dir);
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
        boolean redone = false;
        try (Dockerd d = Dockerd.start(dir.resolve("dockerd"), root)) {
            restore = o.dockfsck().run(log, "restore", "--pending", "--host", d.host(), apps, "--state-dir", stateDir.toString());
            if (restore != 0) {
                broken.add("restore --pending: exit " + restore);
            }
            redone = agent(d, root, broken);
            String errors = storeErrors(d);
            if (!errors.isEmpty()) {
                broken.add("dockerd logs store errors: " + errors);
            }
        } catch (IOException | RuntimeException e) {
            broken.add("dockerd does not start or answer: " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
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
        String base = "dockfsck faults campaign --recording " + recDir.toAbsolutePath() + " --app-store " + store.toAbsolutePath()
                + " --seed " + o.seed();
        String reproduce = s != null
                ? base + " --only " + index + " --work " + o.work().resolve("repro-" + index).toAbsolutePath() + " --keep"
                : base + " --only-kill " + index + " --work " + o.work().resolve("repro-kill-" + index).toAbsolutePath() + " --keep"
                  + " (kill time drawn from the untraced duration of this machine)";
        if (broken.isEmpty() && !o.keep()) {
            rm(dir);
        }
        if (s != null) {
            return new Result(index, s.phase(rec.ops()), s.describe(rec.ops()), consistent, check, repair, restore, redone,
                    broken, ms, reproduce, CrashStates.faithful(rec.ops(), s), "power-cut", op.word(), alone);
        }
        return new Result(index, "kill-9", "kill -9 of dockerd and its children " + killAt(index) + " ms into docker " + op.word(),
                false, check, repair, restore, redone, broken, ms, reproduce, true, "kill-9", op.word(), alone);
    }

    /**
     * What the device's agent does once dockerd is up, and the invariants of the operation; true
     * when the agent had to redo the operation (load or pull again, run again, finish rm or rmi).
     */
    private boolean agent(Dockerd d, Path root, List<String> broken) throws IOException {
        boolean redone = false;
        for (Digest id : bystanders) {
            if (!present(d, id)) {
                broken.add("bystander image " + id.shortHex() + " lost");
            }
        }
        for (Digest id : loaded) {
            if (!present(d, id)) {
                if (op.containerOp()) {
                    broken.add("image " + id.shortHex() + " lost");
                    continue;
                }
                // no trace of the load was left: the agent loads it again, as it would with dockerd alone
                Dockerd.Result r = d.docker("load", "-i", archiveOf(id).toString());
                redone = true;
                Dockerd.Result after = r.ok() ? inspect(d, id) : null;
                if (after == null || !present(after, id)) {
                    // a load that says "Loaded image" while the image cannot be inspected: say why not
                    String inspect = after == null ? "" : after.stderr().strip();
                    broken.add("image " + id.shortHex() + " neither restored nor re-loadable: "
                            + (r.ok() ? "docker load said: " + r.stdout().strip() + (inspect.isEmpty() ? "" : "; docker image inspect: " + inspect)
                            : r.stderr().strip() + " " + r.stdout().strip()).strip());
                }
            }
        }
        if (!op.containerOp()) {
            return redone;
        }
        if (!d.docker("inspect", "--format", "{{.Id}}", Recorder.Operation.KEEPER).ok()) {
            broken.add("bystander container " + Recorder.Operation.KEEPER + " lost");
        }
        String victim = Recorder.Operation.VICTIM;
        switch (op) {
            case RMI -> {
                if (present(d, victimImage)) {
                    // still there: it must be whole (the final deep check) and removable
                    // by ID: a crash after the untag leaves the image without its tag
                    Dockerd.Result r = d.docker("rmi", victimImage.toString());
                    redone = true;
                    if (!r.ok() || present(d, victimImage)) {
                        broken.add("image " + victimImage.shortHex() + " still there but not removable: " + r.stderr().strip());
                    }
                } else if (d.docker("image", "inspect", victimRef).ok()) {
                    broken.add("the tag " + victimRef + " names another image after its rmi");
                }
            }
            case RM, RUN -> {
                boolean there = d.docker("inspect", "--format", "{{.Id}}", victim).ok();
                if (there && op == Op.RM) {
                    // a container marked for removal (the crash came after config.v2.json said so) is
                    // removed by dockerd itself once it has started: give it the time, then finish the rm
                    for (int i = 0; i < 50 && there && d.docker("inspect", "--format", "{{.State.RemovalInProgress}}{{.State.Dead}}", victim)
                            .stdout().contains("true"); i++) {
                        Recorder.sleepMillis(200);
                        there = d.docker("inspect", "--format", "{{.Id}}", victim).ok();
                    }
                }
                if (there && op == Op.RM) {
                    redone = true;
                    Dockerd.Result rm = d.docker("rm", "-f", victim);
                    if (!rm.ok() || d.docker("inspect", victim).ok()) {
                        broken.add("container " + victim + " still there but not removable: " + rm.stderr().strip());
                    }
                } else if (there) {
                    // present: it must be healthy (it runs) and removable / as the run left it
                    Dockerd.Result r = d.docker("start", "-a", victim);
                    if (!r.ok()) {
                        broken.add("container " + victim + " still there but does not start: " + r.stderr().strip());
                    }
                } else {
                    String id = containerId(root, victim);
                    if (id != null) {
                        broken.add("container " + victim + " gone for dockerd but containers/" + id + " left");
                    }
                    if (op == Op.RUN) {
                        // never created as far as dockerd knows: the agent runs it again
                        redone = true;
                        Dockerd.Result r = d.docker("run", "--network", "none", "--name", victim, victimRef, "/bin/true");
                        if (!r.ok()) {
                            broken.add("docker run again fails: " + r.stderr().strip());
                        }
                    }
                }
                if (!present(d, victimImage)) {
                    broken.add("image " + victimImage.shortHex() + " (the container's) lost");
                }
            }
            default -> {
            }
        }
        return redone;
    }

    /**
     * The same state with dockerd alone (no dockfsck) plus the agent: dockerd starts on it, the agent
     * loads the app images that are missing (or redoes the container op), and the outcome is named:
     * {@code ok} (dockerd starts, every image there by its ID, and a deep check, as a judge only, finds
     * the store whole), {@code no-start}, {@code redo-fails: <error>}, {@code image-missing},
     * {@code damaged} (dockerd is content but the store is not: corrupt content, lost images' debris).
     */
    private String dockerdAlone(Path root, Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> broken = new ArrayList<>();
        try (Dockerd d = Dockerd.start(dir.resolve("dockerd"), root)) {
            agent(d, root, broken);
        } catch (IOException | RuntimeException e) {
            return "no-start";
        }
        String redo = broken.stream().filter(b -> b.contains("re-loadable") || b.contains("fails") || b.contains("not removable")
                || b.contains("does not start")).findFirst().orElse(null);
        if (redo != null) {
            return "redo-fails: " + redo.replaceAll("\\s+", " ");
        }
        if (broken.stream().anyMatch(b -> b.contains("lost"))) {
            return "image-missing";
        }
        int fin = o.dockfsck().run(dir.resolve("judge.log"), "check", "--root", root.toString(), "--deep", "--app-store=" + store);
        return fin == 0 ? "ok" : "damaged";
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
        return present(inspect(d, id), id);
    }

    private static Dockerd.Result inspect(Dockerd d, Digest id) {
        return d.docker("image", "inspect", "--format", "{{.Id}}", id.toString());
    }

    /** whether {@code docker image inspect} found the image by its ID */
    private static boolean present(Dockerd.Result inspect, Digest id) {
        return inspect.ok() && inspect.stdout().strip().equals(id.toString());
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
                .put("healthyLost", r.healthyLost()).put("faithful", r.faithful()).put("millis", r.millis())
                .put("kind", r.kind()).put("op", r.op());
        if (r.dockerdAlone() != null) {
            n.put("dockerdAlone", r.dockerdAlone());
        }
        r.broken().forEach(b -> n.withArray("broken").add(b));
        if (!r.healed()) {
            n.put("reproduce", r.reproduce());
        }
        return n.toString();
    }
}
