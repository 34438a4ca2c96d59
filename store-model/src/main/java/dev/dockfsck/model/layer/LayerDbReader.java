package dev.dockfsck.model.layer;

import dev.dockfsck.model.Defect;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.Parsed;
import dev.dockfsck.model.fs.DirEntry;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.fs.StoreFiles;
import dev.dockfsck.model.store.StrayEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads {@code image/<driver>/layerdb/} the way dockerd's layer store does, defects included. */
public final class LayerDbReader {
    private LayerDbReader() {
    }

    public static LayerDb read(Path layerdb) {
        Map<Digest, Layer> layers = new HashMap<>();
        Map<String, Mount> mounts = new HashMap<>();
        List<WriteSet> writeSets = new ArrayList<>();
        List<RemovingDir> removing = new ArrayList<>();
        List<StrayEntry> strays = new ArrayList<>();
        var notDir = StoreFiles.notARealDir(layerdb);
        if (notDir.isPresent()) {
            // never read through it: layerdb/sha256/... would resolve outside the root
            strays.add(new StrayEntry(layerdb, notDir.get()));
            return new LayerDb(layers, mounts, writeSets, removing, strays);
        }

        for (DirEntry e : listDirs(layerdb.resolve("sha256"), strays)) {
            if (e.name().endsWith("-removing")) {
                removing.add(new RemovingDir(e.name(), e.path()));
                continue;
            }
            var chainId = Digest.tryOfHex(e.name());
            if (chainId.isEmpty() || e.kind() != FileKind.DIRECTORY) {
                strays.add(stray(e, chainId.isEmpty() ? "not a chainID" : null));
                continue;
            }
            layers.put(chainId.get(), readLayer(chainId.get(), e.path()));
        }
        for (DirEntry e : listDirs(layerdb.resolve("mounts"), strays)) {
            if (e.name().endsWith("-removing")) {
                removing.add(new RemovingDir(e.name(), e.path()));
                continue;
            }
            if (!Digest.isHex64(e.name()) || e.kind() != FileKind.DIRECTORY) {
                strays.add(stray(e, Digest.isHex64(e.name()) ? null : "not a container id"));
                continue;
            }
            mounts.put(e.name(), readMount(e.name(), e.path()));
        }
        for (DirEntry e : listDirs(layerdb.resolve("tmp"), strays)) {
            if (e.name().startsWith("write-set-")) {
                writeSets.add(e.kind() == FileKind.DIRECTORY
                        ? new WriteSet(e.name(), e.path(), digestFile(e.path().resolve(Layer.DIFF)), digestFile(e.path().resolve(Layer.PARENT)))
                        : new WriteSet(e.name(), e.path()));
            } else {
                strays.add(stray(e, "unexpected in layerdb/tmp"));
            }
        }
        return new LayerDb(layers, mounts, writeSets, removing, strays);
    }

    static StrayEntry stray(DirEntry e, String why) {
        Defect.Kind kind = switch (e.kind()) {
            case SYMLINK -> Defect.Kind.SYMLINK;
            case DIRECTORY -> Defect.Kind.MALFORMED;
            default -> why != null ? Defect.Kind.MALFORMED : Defect.Kind.WRONG_TYPE;
        };
        String detail = why != null ? why : "not a directory";
        if (e.kind() == FileKind.SYMLINK) {
            detail = "-> " + StoreFiles.readLink(e.path()).orElse("?");
        }
        return new StrayEntry(e.path(), new Defect(kind, e.path(), detail));
    }

    static List<DirEntry> listDirs(Path dir, List<StrayEntry> strays) {
        Parsed<List<DirEntry>> listing = StoreFiles.list(dir);
        if (listing instanceof Parsed.Bad<List<DirEntry>> bad) {
            strays.add(new StrayEntry(dir, bad.defect()));
            return List.of();
        }
        return listing.optional().orElse(List.of());
    }

    public static Layer readLayer(Digest chainId, Path dir) {
        Parsed<Digest> diff = digestFile(dir.resolve(Layer.DIFF));
        // strconv.ParseInt(string(content), 10, 64): no trimming, ASCII digits only
        Parsed<Long> size = StoreFiles.readExact(dir.resolve(Layer.SIZE)).map(s -> {
            if (!isDecimal(s)) {
                return Parsed.bad(new Defect(Defect.Kind.MALFORMED, dir.resolve(Layer.SIZE), "not a number: " + dev.dockfsck.model.Texts.quote(s)));
            }
            try {
                // dockerd takes any int64, a negative one too (observed: the layer and its image load)
                return Parsed.ok(Long.parseLong(s));
            } catch (NumberFormatException ex) {
                return Parsed.bad(new Defect(Defect.Kind.MALFORMED, dir.resolve(Layer.SIZE), "not a number: " + dev.dockfsck.model.Texts.quote(s)));
            }
        });
        Parsed<String> cacheId = idFile(dir.resolve(Layer.CACHE_ID));
        Parsed<Digest> parent = digestFile(dir.resolve(Layer.PARENT));
        FileKind tarSplit = StoreFiles.kindOf(dir.resolve(Layer.TAR_SPLIT));
        // a foreign layer's descriptor.json, absent from almost every layer: Files.isRegularFile
        // (the same answer as kindOf == REGULAR) asks without a NoSuchFileException on JDK 20+
        boolean foreign = java.nio.file.Files.isRegularFile(dir.resolve(Layer.DESCRIPTOR), java.nio.file.LinkOption.NOFOLLOW_LINKS);
        return new Layer(chainId, dir, diff, size, cacheId, parent, tarSplit, foreign);
    }

    /** {@code [+-]?[0-9]+}, what strconv.ParseInt takes in base 10 (without a compiled regex per layer). */
    static boolean isDecimal(String s) {
        int i = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-') ? 1 : 0;
        if (i == s.length()) {
            return false;
        }
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    public static Mount readMount(String containerId, Path dir) {
        return new Mount(containerId, dir, idFile(dir.resolve(Mount.MOUNT_ID)), initIdFile(dir.resolve(Mount.INIT_ID)),
                digestFile(dir.resolve(Mount.PARENT)));
    }

    /** A one-line file holding {@code sha256:<hex>}. */
    public static Parsed<Digest> digestFile(Path p) {
        return StoreFiles.readLine(p).map(s -> Digest.tryParse(s).<Parsed<Digest>>map(Parsed::ok).orElseGet(
                () -> Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, "not a sha256 digest: " + dev.dockfsck.model.Texts.quote(s)))));
    }

    /** A one-line file holding a 64-hex id (cache-id, mount-id). */
    public static Parsed<String> idFile(Path p) {
        return StoreFiles.readLine(p).map(s -> Digest.isHex64(s) ? Parsed.ok(s)
                : Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, "not a 64-hex id: " + dev.dockfsck.model.Texts.quote(s))));
    }

    /** {@code init-id}: {@code <64 hex>-init}. */
    static Parsed<String> initIdFile(Path p) {
        return StoreFiles.readLine(p).map(s -> s.endsWith("-init") && Digest.isHex64(s.substring(0, s.length() - 5))
                ? Parsed.ok(s)
                : Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, "not <64 hex>-init: " + dev.dockfsck.model.Texts.quote(s))));
    }
}
