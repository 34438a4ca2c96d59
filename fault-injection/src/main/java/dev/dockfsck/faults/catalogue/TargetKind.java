package dev.dockfsck.faults.catalogue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The kinds of object a fault is aimed at, each found by walking the data root (never listed by
 * hand): {@link #find} gives every candidate as a path relative to the root, sorted, so that a seed
 * picks the same target on the same store.
 */
public enum TargetKind {
    /** every regular file of a layerdb layer or mount entry ({@code cache-id}, {@code diff}, {@code size}, ...) */
    LAYERDB_FILE("layerdb-file", TargetClass.LAYERDB_FILE) {
        @Override
        List<String> scan(Path root) throws IOException {
            List<String> out = new ArrayList<>();
            for (String d : List.of(LAYERS, MOUNTS)) {
                for (Path entry : list(root.resolve(d))) {
                    if (isDir(entry) && !entry.getFileName().toString().endsWith("-removing")) {
                        for (Path f : list(entry)) {
                            if (Files.isRegularFile(f, NOFOLLOW)) {
                                out.add(rel(root, f));
                            }
                        }
                    }
                }
            }
            return out;
        }
    },
    /** a whole layerdb layer or mount entry */
    LAYERDB_DIR("layerdb-dir", TargetClass.LAYERDB_FILE) {
        @Override
        List<String> scan(Path root) throws IOException {
            List<String> out = new ArrayList<>();
            for (String d : List.of(LAYERS, MOUNTS)) {
                for (Path entry : list(root.resolve(d))) {
                    if (isDir(entry) && !entry.getFileName().toString().endsWith("-removing")) {
                        out.add(rel(root, entry));
                    }
                }
            }
            return out;
        }
    },
    /** a layerdb layer no other layer is built on (what dockerd removes first) */
    LEAF_LAYER("leaf-layer", TargetClass.LEFTOVER) {
        @Override
        List<String> scan(Path root) throws IOException {
            Set<String> parents = new HashSet<>();
            List<Path> layers = new ArrayList<>();
            for (Path entry : list(root.resolve(LAYERS))) {
                if (isDir(entry) && entry.getFileName().toString().matches("[0-9a-f]{64}")) {
                    layers.add(entry);
                    Path p = entry.resolve("parent");
                    if (Files.isRegularFile(p, NOFOLLOW)) {
                        parents.add(Files.readString(p, StandardCharsets.ISO_8859_1).strip().replaceFirst("^sha256:", ""));
                    }
                }
            }
            return layers.stream().filter(l -> !parents.contains(l.getFileName().toString())).map(l -> rel(root, l)).toList();
        }
    },
    /** a registered layer (the source of a leftover made of it) */
    LAYER("layer", TargetClass.LEFTOVER) {
        @Override
        List<String> scan(Path root) throws IOException {
            return list(root.resolve(LAYERS)).stream()
                    .filter(e -> isDir(e) && e.getFileName().toString().matches("[0-9a-f]{64}"))
                    .map(e -> rel(root, e)).toList();
        }
    },
    /** an image config, {@code imagedb/content/sha256/<imageID>} */
    IMAGE_CONFIG("image-config", TargetClass.IMAGE_CONFIG) {
        @Override
        List<String> scan(Path root) throws IOException {
            return regularFiles(root, list(root.resolve("image/overlay2/imagedb/content/sha256")));
        }
    },
    /** image metadata dockerd can do without: {@code imagedb/metadata/**}, {@code distribution/**} */
    IMAGE_METADATA("image-metadata", TargetClass.IMAGE_CONFIG) {
        @Override
        List<String> scan(Path root) throws IOException {
            List<String> out = new ArrayList<>();
            for (String d : List.of("image/overlay2/imagedb/metadata", "image/overlay2/distribution")) {
                Path dir = root.resolve(d);
                if (isDir(dir)) {
                    try (Stream<Path> s = Files.walk(dir)) {
                        s.filter(p -> Files.isRegularFile(p, NOFOLLOW)).forEach(p -> out.add(rel(root, p)));
                    }
                }
            }
            return out;
        }
    },
    /** {@code image/overlay2/repositories.json} */
    REPOSITORIES("repositories", TargetClass.REPOSITORIES_JSON) {
        @Override
        List<String> scan(Path root) {
            Path p = root.resolve("image/overlay2/repositories.json");
            return Files.isRegularFile(p, NOFOLLOW) ? List.of(rel(root, p)) : List.of();
        }
    },
    /** an overlay2 dir's {@code link} or {@code lower} file */
    OVERLAY2_FILE("overlay2-file", TargetClass.OVERLAY2) {
        @Override
        List<String> scan(Path root) throws IOException {
            List<String> out = new ArrayList<>();
            for (Path dir : overlayDirs(root)) {
                for (String f : List.of("link", "lower")) {
                    if (Files.isRegularFile(dir.resolve(f), NOFOLLOW)) {
                        out.add(rel(root, dir.resolve(f)));
                    }
                }
            }
            return out;
        }
    },
    /** a short link {@code overlay2/l/<id>} */
    OVERLAY2_SYMLINK("overlay2-symlink", TargetClass.OVERLAY2) {
        @Override
        List<String> scan(Path root) throws IOException {
            return list(root.resolve("overlay2/l")).stream().filter(Files::isSymbolicLink).map(p -> rel(root, p)).toList();
        }
    },
    /** an overlay2 dir's {@code diff/} or {@code work/} */
    OVERLAY2_DIR("overlay2-dir", TargetClass.OVERLAY2) {
        @Override
        List<String> scan(Path root) throws IOException {
            List<String> out = new ArrayList<>();
            for (Path dir : overlayDirs(root)) {
                for (String f : List.of("diff", "work")) {
                    if (isDir(dir.resolve(f))) {
                        out.add(rel(root, dir.resolve(f)));
                    }
                }
            }
            return out;
        }
    },
    /** the largest regular file of every image layer's {@code diff/}: the one a cut write is likeliest to hit */
    LAYER_CONTENT("layer-content", TargetClass.LAYER_CONTENT) {
        @Override
        List<String> scan(Path root) throws IOException {
            List<String> out = new ArrayList<>();
            for (String cacheId : imageLayerCacheIds(root)) {
                Path diff = root.resolve("overlay2").resolve(cacheId).resolve("diff");
                if (isDir(diff)) {
                    biggestFile(diff).ifPresent(p -> out.add(rel(root, p)));
                }
            }
            return out;
        }
    },
    /** an image layer's overlay2 dir with files in it (the source of a half-extracted copy) */
    LAYER_CACHE_DIR("layer-cache-dir", TargetClass.LEFTOVER) {
        @Override
        List<String> scan(Path root) throws IOException {
            List<String> out = new ArrayList<>();
            for (String cacheId : imageLayerCacheIds(root)) {
                Path diff = root.resolve("overlay2").resolve(cacheId).resolve("diff");
                if (isDir(diff) && biggestFile(diff).isPresent()) {
                    out.add(rel(root, diff.getParent()));
                }
            }
            return out;
        }
    },
    /** a container's {@code config.v2.json} or {@code hostconfig.json} */
    CONTAINER_METADATA("container-metadata", TargetClass.CONTAINER_METADATA) {
        @Override
        List<String> scan(Path root) throws IOException {
            List<String> out = new ArrayList<>();
            for (Path c : list(root.resolve("containers"))) {
                for (String f : List.of("config.v2.json", "hostconfig.json")) {
                    if (Files.isRegularFile(c.resolve(f), NOFOLLOW)) {
                        out.add(rel(root, c.resolve(f)));
                    }
                }
            }
            return out;
        }
    };

    static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    static final String LAYERS = "image/overlay2/layerdb/sha256";
    static final String MOUNTS = "image/overlay2/layerdb/mounts";

    private final String id;
    private final TargetClass targetClass;

    TargetKind(String id, TargetClass targetClass) {
        this.id = id;
        this.targetClass = targetClass;
    }

    public String id() {
        return id;
    }

    public TargetClass targetClass() {
        return targetClass;
    }

    /** Every candidate of this kind in {@code root}, relative to it, sorted. */
    public List<String> find(Path root) throws IOException {
        return new ArrayList<>(new TreeSet<>(scan(root)));
    }

    abstract List<String> scan(Path root) throws IOException;

    static boolean isDir(Path p) {
        return Files.isDirectory(p, NOFOLLOW);
    }

    static String rel(Path root, Path p) {
        return root.relativize(p).toString();
    }

    static List<Path> list(Path dir) throws IOException {
        if (!isDir(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    static List<String> regularFiles(Path root, List<Path> paths) {
        return paths.stream().filter(p -> Files.isRegularFile(p, NOFOLLOW)).map(p -> rel(root, p)).toList();
    }

    /** overlay2 dirs (not {@code l/}) */
    static List<Path> overlayDirs(Path root) throws IOException {
        return list(root.resolve("overlay2")).stream()
                .filter(p -> isDir(p) && !p.getFileName().toString().equals("l")).toList();
    }

    /** the cache-ids that registered layers name */
    static Set<String> imageLayerCacheIds(Path root) throws IOException {
        Set<String> out = new TreeSet<>();
        for (Path layer : list(root.resolve(LAYERS))) {
            Path c = layer.resolve("cache-id");
            if (isDir(layer) && Files.isRegularFile(c, NOFOLLOW)) {
                String id = Files.readString(c, StandardCharsets.ISO_8859_1).strip();
                if (id.matches("[0-9a-f]{64}")) {
                    out.add(id);
                }
            }
        }
        return out;
    }

    static Optional<Path> biggestFile(Path diff) throws IOException {
        try (Stream<Path> s = Files.walk(diff)) {
            return s.filter(p -> Files.isRegularFile(p, NOFOLLOW)).max(Comparator.comparingLong((Path p) -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return -1;
                }
            }).thenComparing(Path::toString));
        }
    }
}
