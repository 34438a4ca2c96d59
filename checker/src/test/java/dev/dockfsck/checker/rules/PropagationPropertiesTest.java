package dev.dockfsck.checker.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.Expect;
import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.Severity;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.fixtures.image.BuiltImage;
import dev.dockfsck.fixtures.image.ImageSpec;
import dev.dockfsck.fixtures.image.LayerSpec;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.fixtures.store.StoreIds;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.image.Image;
import dev.dockfsck.model.layer.Layer;
import dev.dockfsck.model.layer.Mount;
import dev.dockfsck.model.store.DataRoot;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Several damages at once, anywhere: the report stays consistent with an independent model of
 * dockerd's dependencies. Damage climbs the layer chain (a layer on a damaged layer is damaged),
 * every image with a missing or damaged chain layer is damaged and says so, {@code affects} of a
 * damaging layer finding is exactly the images whose chain holds the layer plus the containers on
 * them or on the layer, and the summary counts what the damaged set says. A bad link or lower of
 * a layer spoils only what is created on it: the images whose top layer it is, nothing above it,
 * no existing container. Nothing is damaged without one of these reasons.
 */
class PropagationPropertiesTest {
    static FileSystem fs;
    static Path root;
    static StoreIds ids;
    /** Every file a damage may hit, relative to the root. */
    static List<String> targets = new ArrayList<>();

    enum Damage { DELETE, EMPTY, GARBAGE }

    record Hit(String rel, Damage how) {
    }

    @BeforeContainer
    static void build() throws Exception {
        fs = Stores.jimfs();
        StoreBuilder b = StoreBuilder.create(fs.getPath("/var/lib/docker"), 21);
        LayerSpec base = LayerSpec.builder().file("base", "b\n").build();
        LayerSpec mid = LayerSpec.builder().file("mid", "m\n").build();
        BuiltImage a = ImageSpec.builder("a:1").layer(base).layer(mid).layer(LayerSpec.builder().file("a", "a\n").build()).build();
        BuiltImage c = ImageSpec.builder("c:1").layer(base).layer(mid).layer(LayerSpec.builder().file("c", "c\n").build()).build();
        BuiltImage o = ImageSpec.builder("o:1").layer(base).layer(LayerSpec.builder().file("o", "o\n").build()).build();
        b.load(List.of(a, c, o));
        b.createContainer("a:1", "ca");
        b.createContainer("o:1", "co");
        ids = b.ids();
        root = ids.root();
        for (StoreIds.LayerIds l : ids.layers().values()) {
            String ld = "image/overlay2/layerdb/sha256/" + l.chainId().hex();
            for (String f : List.of("diff", "size", "cache-id", "parent", "tar-split.json.gz")) {
                if (Files.exists(root.resolve(ld + "/" + f))) {
                    targets.add(ld + "/" + f);
                }
            }
            String od = "overlay2/" + l.cacheId();
            targets.add(od + "/link");
            if (l.parent().isPresent()) {
                targets.add(od + "/lower");
            }
            targets.add("overlay2/l/" + l.linkId());
        }
        for (StoreIds.ImageIds i : ids.images().values()) {
            targets.add("image/overlay2/imagedb/content/sha256/" + i.imageId().hex());
        }
        for (StoreIds.ContainerIds ct : ids.containers().values()) {
            targets.add("containers/" + ct.id() + "/config.v2.json");
            targets.add("containers/" + ct.id() + "/hostconfig.json");
            for (String f : List.of("mount-id", "init-id", "parent")) {
                targets.add("image/overlay2/layerdb/mounts/" + ct.id() + "/" + f);
            }
            targets.add("overlay2/" + ct.mountId() + "/lower");
            targets.add("overlay2/" + ct.initId() + "/lower");
        }
        targets.add("image/overlay2/repositories.json");
        Report r = Expect.check(root);
        assertTrue(r.findings().isEmpty(), Expect.describe(r));
    }

    @AfterContainer
    static void close() throws IOException {
        fs.close();
    }

    @Provide
    Arbitrary<List<Hit>> hits() {
        return net.jqwik.api.Combinators.combine(Arbitraries.of(targets), Arbitraries.of(Damage.class)).as(Hit::new)
                .list().ofMinSize(1).ofMaxSize(4);
    }

    @Property(tries = 100)
    void damagePropagatesConsistently(@ForAll("hits") List<Hit> hits) throws Exception {
        Map<Path, byte[]> saved = new HashMap<>();
        Map<Path, Path> savedLinks = new HashMap<>();
        try {
            for (Hit h : hits) {
                Path p = root.resolve(h.rel());
                if (!saved.containsKey(p) && !savedLinks.containsKey(p) && Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    if (Files.isSymbolicLink(p)) {
                        savedLinks.put(p, Files.readSymbolicLink(p));
                    } else {
                        saved.put(p, Files.readAllBytes(p));
                    }
                }
                Files.deleteIfExists(p);
                switch (h.how()) {
                    case DELETE -> { }
                    case EMPTY -> Files.write(p, new byte[0]);
                    case GARBAGE -> Files.writeString(p, "garbage\n");
                }
            }
            Report r = Expect.check(root);
            invariants(r);
        } finally {
            for (Map.Entry<Path, byte[]> e : saved.entrySet()) {
                Files.deleteIfExists(e.getKey());
                Files.write(e.getKey(), e.getValue());
            }
            for (Map.Entry<Path, Path> e : savedLinks.entrySet()) {
                Files.deleteIfExists(e.getKey());
                Files.createSymbolicLink(e.getKey(), e.getValue());
            }
            for (Hit h : hits) {
                Path p = root.resolve(h.rel());
                if (!saved.containsKey(p) && !savedLinks.containsKey(p)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    static void invariants(Report r) {
        DataRoot s = r.store();
        String why = Expect.describe(r);
        Set<Subject> damaged = r.damaged();
        // the independent model: which images stand on which layers, which containers on which
        Map<Digest, Set<Subject>> imagesOn = new HashMap<>();
        Map<Digest, Set<Subject>> containersOfImage = new HashMap<>();
        Map<Digest, Set<Subject>> containersOn = new HashMap<>();
        for (Image i : s.imageDb().images().values()) {
            i.config().optional().ifPresent(cfg -> cfg.chainIds().forEach(ch ->
                    imagesOn.computeIfAbsent(ch, k -> new TreeSet<>()).add(Subject.image(i.id()))));
        }
        s.containers().values().forEach(c -> {
            c.config().optional().flatMap(cfg -> Digest.tryParse(cfg.image())).ifPresent(id ->
                    containersOfImage.computeIfAbsent(id, k -> new TreeSet<>()).add(Subject.container(c.id())));
            Mount m = s.layerDb().mounts().get(c.id());
            Digest d = m == null ? null : m.parent().optional().orElse(null);
            Set<Digest> seen = new HashSet<>();
            while (d != null && seen.add(d)) {
                containersOn.computeIfAbsent(d, k -> new TreeSet<>()).add(Subject.container(c.id()));
                d = s.layerDb().layer(d).flatMap(l -> l.parent().optional()).orElse(null);
            }
        });
        // dockerd reads a layer's link and lower only to create something directly on it (a layer, or
        // a container's init layer on an image's top layer): such damage spoils only what is created
        // on the layer from now on (DockerdAgreesIT shows both sides)
        Set<FindingCode> createdOnly = java.util.EnumSet.of(FindingCode.OVERLAY_LINK_INVALID, FindingCode.OVERLAY_LOWER_INVALID);
        Set<Subject> broken = new TreeSet<>();
        Set<Subject> spoiled = new TreeSet<>();
        for (Finding f : r.findings()) {
            if (f.code().damaging() && f.severity() == Severity.ERROR && f.subject().kind() != Subject.Kind.PATH
                    && f.subject().kind() != Subject.Kind.REFERENCE) {
                if (f.subject().kind() == Subject.Kind.LAYER && createdOnly.contains(f.code())) {
                    spoiled.add(f.subject());
                } else {
                    broken.add(f.subject());
                }
            }
        }
        Map<Digest, Set<Subject>> imagesTopped = new HashMap<>();
        for (Image i : s.imageDb().images().values()) {
            i.config().optional().map(cfg -> cfg.chainIds()).filter(c -> !c.isEmpty()).ifPresent(c ->
                    imagesTopped.computeIfAbsent(c.get(c.size() - 1), k -> new TreeSet<>()).add(Subject.image(i.id())));
        }
        // 1. damage climbs the chain; spoiling does not
        for (Layer l : s.layerDb().layers().values()) {
            l.parent().optional().filter(p -> broken.contains(Subject.layer(p))).ifPresent(p ->
                    assertTrue(broken.contains(Subject.layer(l.chainId())), l.chainId() + " stands on damaged " + p + "\n" + why));
            l.parent().optional().filter(p -> spoiled.contains(Subject.layer(p)) && !broken.contains(Subject.layer(p)))
                    .ifPresent(p -> assertTrue(r.findings(FindingCode.LAYER_PARENT_DAMAGED).stream()
                            .noneMatch(f -> f.subject().equals(Subject.layer(l.chainId()))
                                    && f.evidence().get("parent").equals(p.toString())),
                            l.chainId() + " is not damaged by its spoiled parent " + p + "\n" + why));
        }
        // 2. an image with a missing or broken chain layer is damaged, and says which; an image whose
        //    top layer is spoiled is damaged (its new containers are) without a finding of its own
        for (Image i : s.imageDb().images().values()) {
            i.config().optional().ifPresent(cfg -> {
                boolean bad = cfg.chainIds().stream().anyMatch(ch -> s.layerDb().layer(ch).isEmpty()
                        || broken.contains(Subject.layer(ch)));
                if (bad) {
                    assertTrue(damaged.contains(Subject.image(i.id())), i.id() + "\n" + why);
                    assertTrue(r.findings(FindingCode.IMAGE_LAYER_MISSING).stream()
                            .anyMatch(f -> f.subject().equals(Subject.image(i.id()))), i.id() + "\n" + why);
                }
                if (!cfg.chainIds().isEmpty() && spoiled.contains(Subject.layer(cfg.chainIds().get(cfg.chainIds().size() - 1)))) {
                    assertTrue(damaged.contains(Subject.image(i.id())), "top layer spoiled: " + i.id() + "\n" + why);
                }
            });
        }
        // 3. a container on a broken image or layer is damaged
        for (Subject d : broken) {
            if (d.kind() == Subject.Kind.IMAGE) {
                containersOfImage.getOrDefault(Digest.parse(d.id()), Set.of()).forEach(c ->
                        assertTrue(damaged.contains(c), c + " on " + d + "\n" + why));
            }
            if (d.kind() == Subject.Kind.LAYER) {
                containersOn.getOrDefault(Digest.parse(d.id()), Set.of()).forEach(c ->
                        assertTrue(damaged.contains(c), c + " on " + d + "\n" + why));
            }
        }
        // 3b. what is damaged is so for a reason: its own finding, a broken thing under it, or (an
        //     image) a spoiled top layer
        for (Subject d : damaged) {
            boolean reason = broken.contains(d) || spoiled.contains(d);
            if (!reason && d.kind() == Subject.Kind.IMAGE) {
                reason = imagesTopped.entrySet().stream().anyMatch(e -> spoiled.contains(Subject.layer(e.getKey()))
                        && e.getValue().contains(d));
            }
            if (!reason && d.kind() == Subject.Kind.CONTAINER) {
                reason = broken.stream().anyMatch(b -> (b.kind() == Subject.Kind.IMAGE
                        && containersOfImage.getOrDefault(Digest.parse(b.id()), Set.of()).contains(d))
                        || (b.kind() == Subject.Kind.LAYER && containersOn.getOrDefault(Digest.parse(b.id()), Set.of()).contains(d)));
            }
            if (!reason && d.kind() == Subject.Kind.IMAGE) {
                reason = broken.stream().anyMatch(b -> b.kind() == Subject.Kind.LAYER
                        && imagesOn.getOrDefault(Digest.parse(b.id()), Set.of()).contains(d));
            }
            assertTrue(reason, d + " is damaged for no reason\n" + why);
        }
        // 4. affects of a damaging finding, computed independently
        for (Finding f : r.findings()) {
            boolean damaging = f.code().damaging() && f.severity() == Severity.ERROR;
            if (f.code() == FindingCode.REPOSITORIES_INVALID) {
                continue;
            }
            if (!damaging) {
                assertEquals(List.of(), f.affects(), f + "\n" + why);
                continue;
            }
            Set<Subject> want = new TreeSet<>();
            switch (f.subject().kind()) {
                case LAYER -> {
                    Digest d = Digest.parse(f.subject().id());
                    if (createdOnly.contains(f.code())) {
                        want.addAll(imagesTopped.getOrDefault(d, Set.of()));
                    } else {
                        Set<Subject> imgs = imagesOn.getOrDefault(d, Set.of());
                        want.addAll(imgs);
                        imgs.forEach(i -> want.addAll(containersOfImage.getOrDefault(Digest.parse(i.id()), Set.of())));
                        want.addAll(containersOn.getOrDefault(d, Set.of()));
                    }
                }
                case IMAGE -> {
                    want.add(f.subject());
                    want.addAll(containersOfImage.getOrDefault(Digest.parse(f.subject().id()), Set.of()));
                }
                case CONTAINER -> want.add(f.subject());
                default -> { }
            }
            assertEquals(List.copyOf(want), f.affects(), f.code() + " " + f.subject() + "\n" + why);
            want.forEach(w -> assertTrue(damaged.contains(w), w + " affected but not damaged\n" + why));
        }
        // 5. the summary counts the damaged set
        boolean down = !r.findings(FindingCode.REPOSITORIES_INVALID).isEmpty();
        long dl = damaged.stream().filter(x -> x.kind() == Subject.Kind.LAYER).count();
        long di = down ? s.imageDb().images().size() : damaged.stream().filter(x -> x.kind() == Subject.Kind.IMAGE).count();
        long dc = down ? s.containers().size() : damaged.stream().filter(x -> x.kind() == Subject.Kind.CONTAINER).count();
        assertEquals(List.of(dl, di, dc), List.of((long) r.summary().layers().damaged(), (long) r.summary().images().damaged(),
                (long) r.summary().containers().damaged()), why);
        assertEquals(r.findings().stream().allMatch(f -> f.severity() == Severity.INFO), r.clean());
    }
}
