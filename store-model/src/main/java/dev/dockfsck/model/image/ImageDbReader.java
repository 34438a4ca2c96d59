package dev.dockfsck.model.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dockfsck.model.Defect;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.Parsed;
import dev.dockfsck.model.Texts;
import dev.dockfsck.model.fs.AtomicWriteTmp;
import dev.dockfsck.model.fs.DirEntry;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.fs.StoreFiles;
import dev.dockfsck.model.layer.LayerDbReader;
import dev.dockfsck.model.store.StrayEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Reads imagedb, repositories.json and distribution metadata; the JSON shapes live here only. */
public final class ImageDbReader {
    private ImageDbReader() {
    }

    public static ImageDb read(Path imagedb) {
        return read(imagedb, new ArrayList<>());
    }

    /**
     * Reads imagedb; the temp files of interrupted atomic writes of configs and their metadata
     * ({@link AtomicWriteTmp}) go to {@code atomicTmp}, not among the strays.
     */
    public static ImageDb read(Path imagedb, List<Path> atomicTmp) {
        Map<Digest, Image> images = new HashMap<>();
        List<StrayEntry> strays = new ArrayList<>();
        Map<Digest, Path> orphanMeta = new HashMap<>();
        // intermediate dirs are checked first: reading below a symlinked one would leave the root
        if (!realDir(imagedb, strays)) {
            return new ImageDb(images, orphanMeta, strays);
        }
        boolean metaOk = realDir(imagedb.resolve("metadata"), strays);
        boolean contentOk = realDir(imagedb.resolve("content"), strays);
        Path metadata = imagedb.resolve("metadata").resolve("sha256");
        for (DirEntry e : contentOk ? list(imagedb.resolve("content").resolve("sha256"), strays) : List.<DirEntry>of()) {
            var id = Digest.tryOfHex(e.name());
            if (id.isEmpty() && e.kind() == FileKind.REGULAR && AtomicWriteTmp.isTmpOfHex64(e.name())) {
                atomicTmp.add(e.path());
                continue;
            }
            if (id.isEmpty()) {
                strays.add(new StrayEntry(e.path(), new Defect(Defect.Kind.MALFORMED, e.path(), "not an image ID")));
                continue;
            }
            Parsed<Digest> parent = metaOk && StoreFiles.notARealDir(metadata).isEmpty()
                    && StoreFiles.notARealDir(metadata.resolve(e.name())).isEmpty()
                    ? LayerDbReader.digestFile(metadata.resolve(e.name()).resolve("parent"))
                    : Parsed.bad(new Defect(Defect.Kind.MISSING, metadata.resolve(e.name()).resolve("parent"), ""));
            images.put(id.get(), new Image(id.get(), e.path(), readConfig(id.get(), e.path()), parent));
        }
        for (DirEntry e : metaOk ? list(metadata, strays) : List.<DirEntry>of()) {
            Digest.tryOfHex(e.name()).filter(id -> !images.containsKey(id)).ifPresent(id -> orphanMeta.put(id, e.path()));
            if (Digest.isHex64(e.name()) && e.kind() == FileKind.DIRECTORY) {
                AtomicWriteTmp.collect(StoreFiles.list(e.path()).optional().orElse(List.of()),
                        n -> AtomicWriteTmp.isTmpOfAny(n, METADATA_KEYS), atomicTmp);
            }
        }
        return new ImageDb(images, orphanMeta, strays);
    }

    /** The metadata files dockerd 20.10 writes per image (atomically). */
    static final List<String> METADATA_KEYS = List.of("parent", "lastUpdated");

    /** True for a real or missing directory; anything else (a symlink first of all) is a stray, not read below. */
    private static boolean realDir(Path dir, List<StrayEntry> strays) {
        var d = StoreFiles.notARealDir(dir);
        d.ifPresent(defect -> strays.add(new StrayEntry(dir, defect)));
        return d.isEmpty();
    }

    private static List<DirEntry> list(Path dir, List<StrayEntry> strays) {
        Parsed<List<DirEntry>> l = StoreFiles.list(dir);
        if (l instanceof Parsed.Bad<List<DirEntry>> bad) {
            strays.add(new StrayEntry(dir, bad.defect()));
        }
        return l.optional().orElse(List.of());
    }

    /** An image config, verified against the id that names it (as dockerd's "failed to verify"). */
    public static Parsed<ImageConfig> readConfig(Digest id, Path p) {
        return StoreFiles.readBytes(p, StoreFiles.MAX_SMALL_FILE).map(bytes -> {
            Parsed<JsonNode> json = StoreFiles.parseJson(p, bytes);
            boolean hashes = Digest.sha256Of(bytes).equals(id);
            if (json instanceof Parsed.Bad<JsonNode> bad) {
                return Parsed.bad(bad.defect());
            }
            if (!hashes) {
                return Parsed.bad(new Defect(Defect.Kind.DIGEST_MISMATCH, p,
                        "sha256 of the " + bytes.length + " bytes is " + Digest.sha256Of(bytes)));
            }
            return parseConfig(p, json.optional().orElseThrow());
        });
    }

    public static Parsed<ImageConfig> parseConfig(Path p, JsonNode n) {
        if (!n.isObject()) {
            return Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, "not a JSON object"));
        }
        JsonNode rootfs = n.get("rootfs");
        if (rootfs == null || !rootfs.isObject()) {
            return Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, "no rootfs"));
        }
        JsonNode ids = rootfs.get("diff_ids");
        List<Digest> diffIds = new ArrayList<>();
        if (ids != null && !ids.isNull()) {
            if (!ids.isArray()) {
                return Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, "rootfs.diff_ids is not a list"));
            }
            for (JsonNode d : ids) {
                var digest = d.isTextual() ? Digest.tryParse(d.asText()) : java.util.Optional.<Digest>empty();
                if (digest.isEmpty()) {
                    return Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, "bad diff_id " + Texts.quote(d.toString())));
                }
                diffIds.add(digest.get());
            }
        }
        return Parsed.ok(new ImageConfig(diffIds, text(n, "os"), text(n, "architecture")));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isTextual() ? v.asText() : "";
    }

    /** {@code "name":"sha256:<64 hex>"} pairs, as dockerd writes them (no whitespace, names without quotes or backslashes). */
    private static final java.util.regex.Pattern PAIR =
            java.util.regex.Pattern.compile("\"([^\"\\\\\\x00-\\x1f]{1,1024})\":\"(sha256:[0-9a-f]{64})\"");

    /**
     * The tags that a damaged (cut, garbled) {@code repositories.json} still holds: every complete
     * {@code "name":"sha256:<hex>"} pair of its bytes whose name is a tag. What survives of the
     * user's own names when the file must be rebuilt; empty when nothing can be read.
     */
    public static List<Reference> salvageReferences(Path p) {
        byte[] raw = StoreFiles.readBytes(p, StoreFiles.MAX_SMALL_FILE).optional().orElse(new byte[0]);
        String text = new String(raw, java.nio.charset.StandardCharsets.UTF_8);
        List<Reference> out = new java.util.ArrayList<>();
        java.util.regex.Matcher m = PAIR.matcher(text);
        while (m.find()) {
            String name = m.group(1);
            if (Reference.isTag(name)) {
                out.add(new Reference(Reference.repositoryOf(Reference.familiar(name)), Reference.familiar(name), m.group(2)));
            }
        }
        return out;
    }

    public static Repositories readRepositories(Path p) {
        return new Repositories(p, StoreFiles.readJson(p).map(n -> parseRepositories(p, n)));
    }

    static Parsed<List<Reference>> parseRepositories(Path p, JsonNode n) {
        if (!n.isObject()) {
            return Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, "not a JSON object"));
        }
        // dockerd decodes the file with Go's encoding/json into a struct field "Repositories": keys
        // match without regard to case, and every matching key decodes into the same map in turn
        // (a repository named again replaces the earlier one; null empties the map)
        Map<String, List<Reference>> byRepo = new java.util.LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> top = n.fields(); top.hasNext(); ) {
            Map.Entry<String, JsonNode> field = top.next();
            if (!field.getKey().equalsIgnoreCase("Repositories")) {
                continue;
            }
            JsonNode repos = field.getValue();
            if (repos.isNull()) {
                byRepo.clear();
                continue;
            }
            if (!repos.isObject()) {
                return Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, Texts.quote(field.getKey()) + " is not an object"));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = repos.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> repo = it.next();
                List<Reference> refsOfRepo = new ArrayList<>();
                if (!repo.getValue().isNull() && !repo.getValue().isObject()) {
                    return Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, "repository " + Texts.quote(repo.getKey()) + " is not an object"));
                }
                for (Iterator<Map.Entry<String, JsonNode>> refs = repo.getValue().fields(); refs.hasNext(); ) {
                    Map.Entry<String, JsonNode> ref = refs.next();
                    if (!ref.getValue().isTextual()) {
                        return Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, "reference " + Texts.quote(ref.getKey()) + " is not a string"));
                    }
                    refsOfRepo.add(new Reference(repo.getKey(), ref.getKey(), ref.getValue().asText()));
                }
                byRepo.remove(repo.getKey());
                byRepo.put(repo.getKey(), refsOfRepo);
            }
        }
        List<Reference> out = new ArrayList<>();
        byRepo.values().forEach(out::addAll);
        return Parsed.ok(out);
    }

    public static Distribution readDistribution(Path dist) {
        return readDistribution(dist, new ArrayList<>());
    }

    /** Reads the distribution metadata; temp files of its interrupted atomic writes go to {@code atomicTmp}. */
    public static Distribution readDistribution(Path dist, List<Path> atomicTmp) {
        Map<Digest, Parsed<Digest>> byDigest = new HashMap<>();
        Map<Digest, Path> v2 = new HashMap<>();
        for (Path d : List.of(dist, dist.resolve("diffid-by-digest"), dist.resolve("v2metadata-by-diffid"))) {
            if (StoreFiles.notARealDir(d).isPresent()) {
                // pull metadata only: a link here is not followed, and not worth a finding
                return new Distribution(byDigest, v2);
            }
        }
        List<DirEntry> byDigestDir = StoreFiles.list(dist.resolve("diffid-by-digest").resolve("sha256")).optional().orElse(List.of());
        List<DirEntry> v2Dir = StoreFiles.list(dist.resolve("v2metadata-by-diffid").resolve("sha256")).optional().orElse(List.of());
        AtomicWriteTmp.collect(byDigestDir, AtomicWriteTmp::isTmpOfHex64, atomicTmp);
        AtomicWriteTmp.collect(v2Dir, AtomicWriteTmp::isTmpOfHex64, atomicTmp);
        for (DirEntry e : byDigestDir) {
            Digest.tryOfHex(e.name()).ifPresent(d -> byDigest.put(d,
                    e.kind() == FileKind.REGULAR ? LayerDbReader.digestFile(e.path())
                            : Parsed.bad(new Defect(Defect.Kind.WRONG_TYPE, e.path(), "not a regular file"))));
        }
        for (DirEntry e : v2Dir) {
            Digest.tryOfHex(e.name()).ifPresent(d -> v2.put(d, e.path()));
        }
        return new Distribution(byDigest, v2);
    }
}
