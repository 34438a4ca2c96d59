package dev.dockfsck.repair.apply;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code <state-dir>/pending-restore.json}: the images repair removed and {@code restore --pending}
 * must re-inject. {@code {"version":1,"images":[{"name":..,"imageId":..,"tags":[..],"app":..}]}}.
 */
public final class PendingRestoreFile {
    public static final String FILE = "pending-restore.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One image to re-inject. {@code name} is its first tag (or the image ID when untagged). */
    public record Entry(String name, String imageId, List<String> tags, String app) {
        public Entry {
            tags = tags == null ? List.of() : List.copyOf(tags);
        }
    }

    public record Content(int version, List<Entry> images) {
        public Content {
            images = images == null ? List.of() : List.copyOf(images);
        }
    }

    private PendingRestoreFile() {
    }

    public static List<Entry> read(Path stateDir) throws IOException {
        Path p = stateDir.resolve(FILE);
        if (!Files.exists(p)) {
            return List.of();
        }
        return JSON.readValue(p.toFile(), Content.class).images();
    }

    /** Adds entries (by image ID, the newer wins) and writes atomically. */
    public static void merge(Path stateDir, List<Entry> add) throws IOException {
        Map<String, Entry> byId = new LinkedHashMap<>();
        for (Entry e : read(stateDir)) {
            byId.put(e.imageId(), e);
        }
        for (Entry e : add) {
            byId.put(e.imageId(), e);
        }
        write(stateDir, new ArrayList<>(byId.values()));
    }

    public static void write(Path stateDir, List<Entry> entries) throws IOException {
        RootedFs.writeAtomically(stateDir.resolve(FILE), JSON.writeValueAsBytes(new Content(1, entries)));
    }
}
