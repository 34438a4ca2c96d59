package dev.dockfsck.model.container;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dockfsck.model.Defect;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.Parsed;
import dev.dockfsck.model.fs.AtomicWriteTmp;
import dev.dockfsck.model.fs.DirEntry;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.fs.StoreFiles;
import dev.dockfsck.model.store.StrayEntry;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads {@code containers/<id>/config.v2.json}: only the fields dockfsck needs. */
public final class ContainersReader {
    private ContainersReader() {
    }

    /** The files dockerd writes atomically in a container's dir. */
    static final List<String> ATOMIC_FILES = List.of(Container.CONFIG, Container.HOST_CONFIG);

    public static Map<String, Container> read(Path containers, List<StrayEntry> strays) {
        return read(containers, strays, new java.util.ArrayList<>());
    }

    /** Reads the containers; the temp files of interrupted atomic writes of their configs go to {@code atomicTmp}. */
    public static Map<String, Container> read(Path containers, List<StrayEntry> strays, List<Path> atomicTmp) {
        Map<String, Container> out = new HashMap<>();
        Parsed<List<DirEntry>> l = StoreFiles.list(containers);
        if (l instanceof Parsed.Bad<List<DirEntry>> bad) {
            strays.add(new StrayEntry(containers, bad.defect()));
        }
        for (DirEntry e : l.optional().orElse(List.of())) {
            if (!Digest.isHex64(e.name()) || e.kind() != FileKind.DIRECTORY) {
                String detail = e.kind() == FileKind.SYMLINK ? "-> " + StoreFiles.readLink(e.path()).orElse("?")
                        : Digest.isHex64(e.name()) ? "not a directory" : "not a container id";
                strays.add(new StrayEntry(e.path(), new Defect(
                        e.kind() == FileKind.SYMLINK ? Defect.Kind.SYMLINK : Defect.Kind.MALFORMED, e.path(), detail)));
                continue;
            }
            AtomicWriteTmp.collect(StoreFiles.list(e.path()).optional().orElse(List.of()),
                    n -> AtomicWriteTmp.isTmpOfAny(n, ATOMIC_FILES), atomicTmp);
            Path cfg = e.path().resolve(Container.CONFIG);
            out.put(e.name(), new Container(e.name(), e.path(), StoreFiles.readJson(cfg).map(n -> parse(cfg, n)),
                    hostConfig(e.path().resolve(Container.HOST_CONFIG))));
        }
        return out;
    }

    /**
     * {@code hostconfig.json} as dockerd's {@code readHostConfig} takes it: absent is fine (the
     * defaults), otherwise it must decode as one JSON object (empty, cut off, garbage or another
     * JSON value fails the container's load).
     */
    static Parsed<Boolean> hostConfig(Path p) {
        if (StoreFiles.kindOf(p) == FileKind.MISSING) {
            return Parsed.ok(false);
        }
        return StoreFiles.readJson(p).map(n -> n.isObject() ? Parsed.ok(true)
                : Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, "not a JSON object")));
    }

    static Parsed<ContainerConfig> parse(Path p, JsonNode n) {
        if (!n.isObject()) {
            return Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, "not a JSON object"));
        }
        JsonNode image = n.get("Image");
        if (image == null || !image.isTextual()) {
            return Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, "no \"Image\""));
        }
        JsonNode cfg = n.get("Config");
        Optional<String> imageName = cfg != null && cfg.isObject() && cfg.path("Image").isTextual()
                ? Optional.of(cfg.get("Image").asText()) : Optional.empty();
        boolean running = n.path("State").path("Running").asBoolean(false);
        return Parsed.ok(new ContainerConfig(image.asText(), n.path("Name").asText(""), n.path("Driver").asText(""),
                imageName, running));
    }
}
