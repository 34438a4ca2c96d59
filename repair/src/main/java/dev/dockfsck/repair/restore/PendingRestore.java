package dev.dockfsck.repair.restore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.Texts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code <state-dir>/pending-restore.json}: the images the repair command removed from dockerd
 * and that still have to be re-loaded from the app store.
 * <pre>{"version":1,"images":[{"name":"host/repo:tag","imageId":"sha256:...","tags":[...],"app":"..."}]}</pre>
 * Written atomically (temp file, fsync, rename, fsync of the directory), so a power cut leaves
 * either the old or the new list.
 */
public final class PendingRestore {
    public static final String FILE_NAME = "pending-restore.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_BYTES = 16L * 1024 * 1024;

    /**
     * One image to re-load: its main name, image ID, every tag it had, its app ("" when none), and
     * why it is listed ({@code removed-by-repair}, {@code lost-before-repair},
     * {@code interrupted-load}; "" when not said).
     */
    public record Entry(String name, Digest imageId, List<String> tags, String app, String reason) {
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(imageId, "imageId");
            tags = List.copyOf(tags);
            app = app == null ? "" : app;
            reason = reason == null ? "" : reason;
        }

        public Entry(String name, Digest imageId, List<String> tags, String app) {
            this(name, imageId, tags, app, "");
        }
    }

    private final Path stateDir;

    public PendingRestore(Path stateDir) {
        this.stateDir = Objects.requireNonNull(stateDir, "stateDir");
    }

    public Path file() {
        return stateDir.resolve(FILE_NAME);
    }

    /** The entries; none when the file does not exist. A malformed file is an IOException saying why. */
    public List<Entry> read() throws IOException {
        Path f = file();
        byte[] bytes;
        try {
            if (Files.isSymbolicLink(f)) {
                throw new IOException(f + " is a symbolic link; not read");
            }
            if (Files.size(f) > MAX_BYTES) {
                throw new IOException(f + " is larger than " + MAX_BYTES + " bytes; not read");
            }
            bytes = Files.readAllBytes(f);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IOException(f + " is not valid JSON", e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(f + " is not a JSON object");
        }
        if (root.path("version").asInt(-1) != 1) {
            throw new IOException(f + ": unsupported version " + root.path("version"));
        }
        JsonNode images = root.get("images");
        if (images == null || images.isNull()) {
            return List.of();
        }
        if (!images.isArray()) {
            throw new IOException(f + ": \"images\" is not a list");
        }
        List<Entry> out = new ArrayList<>();
        int i = 0;
        for (JsonNode n : images) {
            String where = f + ": images[" + i++ + "]";
            String name = n.path("name").asText("");
            if (name.isEmpty()) {
                throw new IOException(where + " has no name");
            }
            Digest id = Digest.tryParse(n.path("imageId").asText("")).orElseThrow(
                    () -> new IOException(where + ": imageId " + Texts.quote(n.path("imageId").asText("")) + " is not a sha256 digest"));
            List<String> tags = new ArrayList<>();
            JsonNode t = n.get("tags");
            if (t != null && t.isArray()) {
                t.forEach(x -> tags.add(x.asText()));
            }
            out.add(new Entry(name, id, tags, n.path("app").asText(""), n.path("reason").asText("")));
        }
        return out;
    }

    /** Replaces the list atomically; an empty list removes the file. */
    public void write(List<Entry> entries) throws IOException {
        if (entries.isEmpty()) {
            clear();
            return;
        }
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        ArrayNode arr = root.putArray("images");
        for (Entry e : entries) {
            ObjectNode o = arr.addObject();
            o.put("name", e.name());
            o.put("imageId", e.imageId().toString());
            ArrayNode t = o.putArray("tags");
            e.tags().forEach(t::add);
            o.put("app", e.app());
            if (!e.reason().isEmpty()) {
                o.put("reason", e.reason());
            }
        }
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        Files.createDirectories(stateDir);
        Path tmp = stateDir.resolve("." + FILE_NAME + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(tmp, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        syncDir();
    }

    /** Adds entries, replacing those with the same name. */
    public void add(Collection<Entry> entries) throws IOException {
        Map<String, Entry> m = new LinkedHashMap<>();
        read().forEach(e -> m.put(e.name(), e));
        entries.forEach(e -> m.put(e.name(), e));
        write(new ArrayList<>(m.values()));
    }

    /** Removes the entries with these names (or image IDs); returns what remains. */
    public List<Entry> remove(Collection<String> namesOrIds) throws IOException {
        Set<String> drop = Set.copyOf(namesOrIds);
        List<Entry> keep = read().stream()
                .filter(e -> !drop.contains(e.name()) && !drop.contains(e.imageId().toString()))
                .toList();
        write(keep);
        return keep;
    }

    /** Removes the file (and syncs the directory); nothing when it does not exist. */
    public void clear() throws IOException {
        if (Files.deleteIfExists(file())) {
            syncDir();
        }
    }

    private void syncDir() throws IOException {
        if (stateDir.getFileSystem() != FileSystems.getDefault() || !Files.isDirectory(stateDir, LinkOption.NOFOLLOW_LINKS)) {
            return; // in-memory file systems cannot open directories; nothing to sync there
        }
        try (FileChannel ch = FileChannel.open(stateDir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
