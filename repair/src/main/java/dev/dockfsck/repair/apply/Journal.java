package dev.dockfsck.repair.apply;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.dockfsck.model.Digest;
import dev.dockfsck.repair.plan.Plan;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The crash-safe record of one repair: {@code <state-dir>/journal-<root hash>/plan.json} (written
 * and fsynced before the first action) and {@code done} (one action index a line, appended and
 * fsynced after each action). A rerun finds both and resumes; a finished repair moves the plan
 * to {@code last-plan.json}.
 */
public final class Journal {
    private final Path dir;

    /**
     * The plan's JSON mapper, made at its first use: a boot preen of a sound store opens its
     * journal only to find no plan in it, and an ObjectMapper's class initialization (the JDK's
     * date and locale data) is ~25 ms of such a start.
     */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    public Journal(Path stateDir, String root) {
        String key = Digest.sha256Of(root.getBytes(StandardCharsets.UTF_8)).hex().substring(0, 12);
        this.dir = stateDir.resolve("journal-" + key);
    }

    public Path dir() {
        return dir;
    }

    /** The plan of an interrupted repair of this root, if there is one. */
    public Optional<Plan> pending() throws IOException {
        Path p = dir.resolve("plan.json");
        if (!Files.exists(p)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.MAPPER.readValue(Files.readAllBytes(p), Plan.class));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(p + ": the journal of an interrupted repair is unreadable (" + e.getOriginalMessage()
                    + "); move it away to start over");
        }
    }

    /** The engine stamp recorded when the journal began ({@link dev.dockfsck.repair.live.EngineStamp}). */
    public Optional<String> stamp() throws IOException {
        Path p = dir.resolve("engine-stamp");
        return Files.exists(p) ? Optional.of(Files.readString(p, StandardCharsets.UTF_8)) : Optional.empty();
    }

    /** Sets an unfinished journal aside (kept as {@code stale-plan.json} for the record). */
    public void abandon() throws IOException {
        close("stale-plan.json");
    }

    public void begin(Plan plan, String engineStamp) throws IOException {
        Files.createDirectories(dir);
        RootedFs.writeAtomically(dir.resolve("engine-stamp"), engineStamp);
        begin(plan);
    }

    public void begin(Plan plan) throws IOException {
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve("done"));
        RootedFs.writeAtomically(dir.resolve("plan.json"), Json.MAPPER.writeValueAsBytes(plan));
        RootedFs.fsyncDir(dir.getParent());
    }

    public Set<Integer> done() throws IOException {
        Set<Integer> out = new HashSet<>();
        Path p = dir.resolve("done");
        if (Files.exists(p)) {
            for (String line : Files.readAllLines(p, StandardCharsets.US_ASCII)) {
                try {
                    out.add(Integer.parseInt(line.strip()));
                } catch (NumberFormatException e) {
                    // a line cut by a crash: that action is simply redone (actions are idempotent)
                }
            }
        }
        return out;
    }

    public void markDone(int index) throws IOException {
        try (FileChannel ch = FileChannel.open(dir.resolve("done"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap((index + "\n").getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
    }

    public void finish() throws IOException {
        close("last-plan.json");
    }

    /** Ends the journal: the plan is kept under {@code keptAs}, the done-list goes. */
    private void close(String keptAs) throws IOException {
        Path plan = dir.resolve("plan.json");
        if (Files.exists(plan)) {
            Files.move(plan, dir.resolve(keptAs), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        Files.deleteIfExists(dir.resolve("done"));
        RootedFs.fsyncDir(dir);
    }

    public static String toJson(Plan plan) throws IOException {
        return Json.MAPPER.writeValueAsString(plan);
    }
}
