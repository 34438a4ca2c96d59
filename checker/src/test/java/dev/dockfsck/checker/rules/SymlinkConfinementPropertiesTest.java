package dev.dockfsck.checker.rules;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.Expect;
import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.Report;
import dev.dockfsck.fixtures.image.BuiltImage;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.fixtures.store.StoreIds;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.store.DataRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Symbolic links anywhere in the store (metadata files, layer dirs, overlay2 dirs, {@code l/}
 * entries, containers, the directories that hold them) are never followed out of the root. The
 * proof: each link points at a faithful copy, outside the root, of the very entry it replaces
 * (plus sentinel entries: a layer, an overlay2 dir, an image and a container named
 * {@value #SENTINEL_HEX_PREFIX}...). A checker that followed the link would read sound content
 * and report nothing there; so the report must name the replaced entry, and no sentinel may appear
 * in the model or the report. Loops and links climbing past {@code /} must not throw.
 */
class SymlinkConfinementPropertiesTest {
    static final String SENTINEL_HEX_PREFIX = "5e5e5e5e";
    static final String SENTINEL = SENTINEL_HEX_PREFIX.repeat(8);

    enum Kind { ABSOLUTE, RELATIVE, CLIMBING, SELF_LOOP, PAIR_LOOP, INSIDE_ROOT }

    /** A place in the store, and whether replacing it by a link must show up as a finding there. */
    record Location(String rel, boolean mustBeFound) {
        @Override
        public String toString() {
            return rel;
        }
    }

    static FileSystem fs;
    static StoreIds ids;
    /** The same store (same seed, same ids) on jimfs and on the real disk, each with its own "outside". */
    static Path[] roots = new Path[2];
    static Path[] bases = new Path[2];
    static Path diskDir;
    static List<Location> locations = new ArrayList<>();
    static int counter;

    @BeforeContainer
    static void build() throws Exception {
        fs = Stores.jimfs();
        diskDir = Files.createTempDirectory("dockfsck-symlinks");
        bases[0] = fs.getPath("/");
        bases[1] = diskDir;
        BuiltImage img = Stores.tiny("t:1");
        StoreIds.ContainerIds c = null;
        for (int i = 0; i < 2; i++) {
            StoreBuilder b = StoreBuilder.create(bases[i].resolve("var/lib/docker"), 12);
            b.load(img);
            StoreIds.ContainerIds ci = b.createContainer("t:1", "c");
            Files.createDirectories(b.root().resolve("tmp"));
            roots[i] = b.root();
            if (i == 0) {
                ids = b.ids();
                c = ci;
            } else {
                assertTrue(ci.mountId().equals(c.mountId()), "same seed, same ids");
            }
        }
        Digest mid = img.chainIds().get(1);
        String layer = "image/overlay2/layerdb/sha256/" + mid.hex();
        String cache = "overlay2/" + ids.layer(mid).cacheId();
        String mounts = "image/overlay2/layerdb/mounts/" + c.id();
        for (String f : List.of("cache-id", "diff", "size", "parent", "tar-split.json.gz")) {
            locations.add(new Location(layer + "/" + f, true));
        }
        for (String rel : List.of(layer, cache, cache + "/diff", cache + "/link", cache + "/lower",
                "overlay2/l/" + ids.layer(mid).linkId(), "overlay2/l", "overlay2",
                "image/overlay2/imagedb/content/sha256/" + c.imageId().hex(), "image/overlay2/repositories.json",
                "containers/" + c.id(), "containers/" + c.id() + "/config.v2.json", "containers/" + c.id() + "/hostconfig.json", "containers",
                mounts, mounts + "/mount-id", mounts + "/init-id", mounts + "/parent",
                "overlay2/" + c.mountId() + "/link", "overlay2/" + c.mountId() + "/lower",
                "overlay2/" + c.initId(), "overlay2/" + c.initId() + "/link",
                "image/overlay2/layerdb/sha256", "image/overlay2/layerdb/mounts", "image/overlay2/layerdb",
                "image/overlay2/imagedb/content/sha256", "image/overlay2/imagedb/content", "image/overlay2/imagedb")) {
            locations.add(new Location(rel, true));
        }
        // dockerd's own scratch dir: a link there is harmless, but it must not be read through either
        locations.add(new Location("tmp", false));
        locations.add(new Location("image/overlay2/layerdb/tmp", false));
        locations.add(new Location("image/overlay2/distribution", false));
        for (Path root : roots) {
            Report r = Expect.check(root);
            assertTrue(r.findings().isEmpty(), Expect.describe(r));
        }
    }

    @AfterContainer
    static void close() throws IOException {
        fs.close();
        try (Stream<Path> s = Files.walk(diskDir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Provide
    Arbitrary<Location> locations() {
        return Arbitraries.of(locations);
    }

    /** Locations x kinds of link x (jimfs, real disk): 432 combinations, a random 160 of them per run. */
    @Property(tries = 160)
    void linksAreNeverFollowedOutOfTheRoot(@ForAll("locations") Location loc, @ForAll Kind kind, @ForAll boolean onDisk)
            throws Exception {
        Path root = roots[onDisk ? 1 : 0];
        Path base = bases[onDisk ? 1 : 0];
        Path at = root.resolve(loc.rel);
        try {
            replaceAndCheck(loc, kind, onDisk, root, base, at);
        } catch (IOException e) {
            throw new AssertionError((onDisk ? "disk " : "jimfs ") + loc + " " + kind + ": " + e, e);
        }
    }

    private void replaceAndCheck(Location loc, Kind kind, boolean onDisk, Path root, Path base, Path at) throws Exception {
        int n = ++counter;
        Path backup = base.resolve("backup/" + n);
        Files.createDirectories(backup.getParent());
        Path outside = base.resolve("outside/" + n).resolve(at.getFileName().toString());
        Files.createDirectories(outside.getParent());
        copyTree(at, outside);
        plantSentinels(outside);
        Files.move(at, backup);
        List<Path> made = new ArrayList<>();
        try {
            Path target = switch (kind) {
                case ABSOLUTE -> outside;
                case RELATIVE -> at.getParent().relativize(outside);
                case CLIMBING -> at.getFileSystem().getPath("../".repeat(20)).resolve(outside.toString().substring(1));
                case SELF_LOOP -> at.getFileName();
                case PAIR_LOOP -> {
                    Path other = at.resolveSibling(at.getFileName() + ".loop");
                    Files.createSymbolicLink(other, at.getFileName());
                    made.add(other);
                    yield other.getFileName();
                }
                case INSIDE_ROOT -> at.getParent().relativize(root.resolve(insideTwin(loc.rel)));
            };
            Files.createSymbolicLink(at, target);
            made.add(at);
            Report r = Expect.check(root);
            DataRoot model = r.store();
            String text = (model.toString() + "\n" + r.findings().stream().map(Finding::toString).toList())
                    .toLowerCase(java.util.Locale.ROOT);
            String where = (onDisk ? "disk " : "jimfs ") + loc;
            assertFalse(text.contains(SENTINEL_HEX_PREFIX.repeat(2)), where + " " + kind + " -> " + target
                    + ": the sentinel outside the root was read\n" + Expect.describe(r));
            if (loc.mustBeFound) {
                assertTrue(r.findings().stream().anyMatch(f -> f.path().equals(loc.rel) || f.path().startsWith(loc.rel + "/")),
                        where + " " + kind + " -> " + target + ": no finding names it\n" + Expect.describe(r));
                assertFalse(r.clean());
            }
        } finally {
            for (Path p : made) {
                Files.deleteIfExists(p);
            }
            Files.move(backup, at);
        }
    }

    /** A sound entry of the same kind elsewhere in the root (the base layer's, the container's init dir's). */
    static String insideTwin(String rel) {
        if (rel.startsWith("image/overlay2/layerdb/sha256/") && rel.length() >= 94) {
            String base = ids.layers().values().stream().filter(l -> l.parent().isEmpty()).findFirst().orElseThrow()
                    .chainId().hex();
            return "image/overlay2/layerdb/sha256/" + base + rel.substring(94);
        }
        if (rel.startsWith("overlay2/l/")) {
            // another layer's l/ entry: a real link, pointing at another (sound) dir
            return "overlay2/l/" + ids.layers().values().stream().filter(l -> l.parent().isEmpty()).findFirst()
                    .orElseThrow().linkId();
        }
        return "overlay2/l";
    }

    /** Extra entries only the outside copy has: if the checker read them, they would show up. */
    static void plantSentinels(Path copy) throws IOException {
        if (!Files.isDirectory(copy, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> s = Files.walk(copy)) {
            s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).forEach(dirs::add);
        }
        for (Path d : dirs) {
            String dn = d.getFileName().toString();
            if (dn.equals("sha256") || dn.equals("overlay2") || dn.equals("containers") || dn.equals("mounts")
                    || dn.equals("tmp") || dn.equals("l")) {
                List<String> names = dn.equals("l") ? List.of(SENTINEL.substring(0, 26).toUpperCase(java.util.Locale.ROOT))
                        : dn.equals("tmp") ? List.of("docker-import-" + SENTINEL, "write-set-" + SENTINEL) : List.of(SENTINEL);
                for (String sn : names) {
                    Path s = d.resolve(sn);
                    Files.createDirectories(s);
                    Files.writeString(s.resolve("cache-id"), SENTINEL, StandardCharsets.UTF_8);
                    Files.writeString(s.resolve("diff"), "sha256:" + SENTINEL, StandardCharsets.UTF_8);
                    Files.writeString(s.resolve("link"), SENTINEL.substring(0, 26).toUpperCase(java.util.Locale.ROOT),
                            StandardCharsets.UTF_8);
                }
            }
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        if (Files.isSymbolicLink(from)) {
            Files.createSymbolicLink(to, Files.readSymbolicLink(from));
            return;
        }
        if (!Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
            Files.copy(from, to, LinkOption.NOFOLLOW_LINKS);
            return;
        }
        Files.createDirectory(to);
        List<Path> children;
        try (Stream<Path> s = Files.list(from)) {
            children = s.sorted(Comparator.naturalOrder()).toList();
        }
        for (Path c : children) {
            copyTree(c, to.resolve(c.getFileName().toString()));
        }
    }
}
