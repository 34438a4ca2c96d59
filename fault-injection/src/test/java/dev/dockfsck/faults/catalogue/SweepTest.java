package dev.dockfsck.faults.catalogue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The damage sweeps take their cases from {@link Catalogue#sweep()}: on a store as dockerd writes
 * it, that is exactly the set of cases the sweeps walked for themselves before (the walk below is
 * DamageSweepIT's own, as it was), so they keep asserting what they asserted.
 */
class SweepTest {
    @Test
    void theCatalogueSweepIsTheSweepsOwnWalk() throws IOException {
        Path root = StoreFixture.pristine();
        Set<String> fromCatalogue = FaultApplier.hits(root, Catalogue.sweep()).stream()
                .map(h -> name(h.fault().mutation()) + " " + h.target()).collect(Collectors.toCollection(TreeSet::new));
        Set<String> own = new TreeSet<>(oldWalk(root));
        assertTrue(own.size() > 100, own.toString());
        assertEquals(own, fromCatalogue);
    }

    static String name(Mutation m) {
        return switch (m) {
            case EMPTY -> "empty";
            case TRUNCATE_HALF -> "half";
            case DELETE, REMOVE_DIR -> "delete";
            case GARBLE -> "garble";
            case DANGLING_SYMLINK -> "retarget";
            default -> throw new AssertionError(m + " is not a sweep damage");
        };
    }

    /** DamageSweepIT.cases as it was before the catalogue (case names only). */
    static List<String> oldWalk(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        Path image = root.resolve("image/overlay2");
        try (Stream<Path> s = Files.walk(image)) {
            for (Path p : s.sorted().toList()) {
                String rel = root.relativize(p).toString();
                if (rel.contains("/layerdb/tmp")) {
                    continue;
                }
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    file(out, root, rel);
                } else if (p.getParent().endsWith("layerdb/sha256") || p.getParent().endsWith("layerdb/mounts")) {
                    out.add("delete " + rel);
                }
            }
        }
        Set<String> imageLayerDirs = new TreeSet<>();
        try (Stream<Path> s = Files.list(image.resolve("layerdb/sha256"))) {
            for (Path layer : s.toList()) {
                imageLayerDirs.add(Files.readString(layer.resolve("cache-id"), StandardCharsets.US_ASCII).strip());
            }
        }
        try (Stream<Path> s = Files.list(root.resolve("overlay2"))) {
            for (Path dir : s.sorted().toList()) {
                String rel = root.relativize(dir).toString();
                if (dir.getFileName().toString().equals("l")) {
                    try (Stream<Path> links = Files.list(dir)) {
                        for (Path l : links.sorted().toList()) {
                            out.add("delete " + root.relativize(l));
                            out.add("retarget " + root.relativize(l));
                        }
                    }
                    continue;
                }
                for (String f : List.of("link", "lower")) {
                    if (Files.isRegularFile(dir.resolve(f), LinkOption.NOFOLLOW_LINKS)) {
                        file(out, root, rel + "/" + f);
                    }
                }
                out.add("delete " + rel + "/diff");
                if (Files.isDirectory(dir.resolve("work"), LinkOption.NOFOLLOW_LINKS)) {
                    out.add("delete " + rel + "/work");
                }
                if (imageLayerDirs.contains(dir.getFileName().toString())) {
                    TargetKind.biggestFile(dir.resolve("diff")).ifPresent(b -> {
                        try {
                            file(out, root, root.relativize(b).toString());
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                }
            }
        }
        try (Stream<Path> s = Files.list(root.resolve("containers"))) {
            for (Path c : s.sorted().toList()) {
                for (String f : List.of("config.v2.json", "hostconfig.json")) {
                    if (Files.isRegularFile(c.resolve(f), LinkOption.NOFOLLOW_LINKS)) {
                        file(out, root, root.relativize(c.resolve(f)).toString());
                    }
                }
            }
        }
        return out;
    }

    static void file(List<String> out, Path root, String rel) throws IOException {
        long size = Files.size(root.resolve(rel));
        out.add("delete " + rel);
        if (size > 0) {
            out.add("empty " + rel);
            out.add("garble " + rel);
        }
        if (size > 1) {
            out.add("half " + rel);
        }
    }
}
