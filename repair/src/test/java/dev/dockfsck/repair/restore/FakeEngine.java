package dev.dockfsck.repair.restore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dockfsck.model.Digest;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Behaves like dockerd 20.10's load: the archive is first read whole (a stream error or a short
 * entry fails the load with nothing registered), then each layer is decompressed and checked
 * against rootfs.diff_ids, then the image and its tags are registered.
 */
final class FakeEngine implements Engine {
    private static final ObjectMapper JSON = new ObjectMapper();
    final Map<String, EngineImage> images = new LinkedHashMap<>();
    final Map<String, String> tags = new HashMap<>();
    final Set<String> layers = new LinkedHashSet<>();
    final List<String> loadErrors = new ArrayList<>();
    boolean reachable = true;
    String refuseWith;
    int loads;
    int created;

    @Override
    public String endpoint() {
        return "fake://engine";
    }

    @Override
    public void ping() throws EngineException {
        if (!reachable) {
            throw new EngineException("the Docker engine at fake://engine is not reachable: connection refused");
        }
    }

    @Override
    public Optional<EngineImage> inspect(String idOrName) {
        String id = images.containsKey(idOrName) ? idOrName : tags.get(idOrName);
        return Optional.ofNullable(id == null ? null : images.get(id));
    }

    @Override
    public LoadOutcome load(InputStream archive) throws EngineException {
        loads++;
        Map<String, byte[]> files = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(archive)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                byte[] data = tar.readAllBytes();
                if (data.length != e.getSize()) {
                    throw new IOException("unexpected EOF in " + e.getName());
                }
                files.put(e.getName(), data);
            }
        } catch (IOException e) {
            loadErrors.add(e.getMessage());
            throw new EngineException("the load to the Docker engine failed: " + e.getMessage(), e);
        }
        if (refuseWith != null) {
            return new LoadOutcome(List.of(), Optional.of(refuseWith));
        }
        try {
            JsonNode m = JSON.readTree(files.get("manifest.json")).get(0);
            byte[] config = files.get(m.get("Config").asText());
            JsonNode diffIds = JSON.readTree(config).path("rootfs").path("diff_ids");
            List<String> chain = new ArrayList<>();
            int i = 0;
            for (JsonNode l : m.get("Layers")) {
                InputStream in = new BufferedInputStream(new ByteArrayInputStream(files.get(l.asText())));
                in.mark(2);
                int b0 = in.read();
                in.reset();
                if (b0 == 0x1f) {
                    in = new GZIPInputStream(in);
                }
                Digest d = Digest.sha256Of(in.readAllBytes());
                if (!d.toString().equals(diffIds.get(i).asText())) {
                    return new LoadOutcome(List.of(), Optional.of("invalid diffID for layer " + i + ": expected "
                            + diffIds.get(i).asText() + ", got " + d));
                }
                chain.add(d.toString());
                layers.add(d.toString());
                i++;
            }
            String id = Digest.sha256Of(config).toString();
            List<String> repoTags = new ArrayList<>();
            m.get("RepoTags").forEach(t -> repoTags.add(t.asText()));
            images.put(id, new EngineImage(id, chain, repoTags, "created-" + (++created)));
            repoTags.forEach(t -> tags.put(t, id));
            return new LoadOutcome(List.of("Loaded image: " + String.join(", ", repoTags)), Optional.empty());
        } catch (IOException e) {
            return new LoadOutcome(List.of(), Optional.of(e.getMessage()));
        }
    }

    @Override
    public void tag(String imageId, String repository, String tag) {
        tags.put(repository + ":" + tag, imageId);
        EngineImage old = images.get(imageId);
        List<String> rt = new ArrayList<>(old.repoTags());
        rt.add(repository + ":" + tag);
        images.put(imageId, new EngineImage(old.id(), old.layers(), rt, old.created()));
    }

    @Override
    public void close() {
    }
}
