package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.Expect.check;
import static dev.dockfsck.checker.Expect.exactly;
import static dev.dockfsck.checker.Expect.f;
import static dev.dockfsck.checker.Expect.image;
import static dev.dockfsck.checker.Expect.layer;
import static dev.dockfsck.checker.Expect.path;
import static dev.dockfsck.checker.FindingCode.CONTAINER_CONFIG_INVALID;
import static dev.dockfsck.checker.FindingCode.CONTAINER_IMAGE_DAMAGED;
import static dev.dockfsck.checker.FindingCode.CONTAINER_LAYER_MISSING;
import static dev.dockfsck.checker.FindingCode.IMAGE_CONFIG_INVALID;
import static dev.dockfsck.checker.FindingCode.IMAGE_LAYER_MISSING;
import static dev.dockfsck.checker.FindingCode.INTERRUPTED_REMOVAL;
import static dev.dockfsck.checker.FindingCode.LAYER_CACHE_DIR_MISSING;
import static dev.dockfsck.checker.FindingCode.LAYER_CHAINID_MISMATCH;
import static dev.dockfsck.checker.FindingCode.LAYER_CONTENT_MISMATCH;
import static dev.dockfsck.checker.FindingCode.LAYER_FILE_INVALID;
import static dev.dockfsck.checker.FindingCode.LAYER_FILE_MISSING;
import static dev.dockfsck.checker.FindingCode.LAYER_PARENT_DAMAGED;
import static dev.dockfsck.checker.FindingCode.LAYER_PARENT_MISSING;
import static dev.dockfsck.checker.FindingCode.LAYER_TAR_SPLIT_CORRUPT;
import static dev.dockfsck.checker.FindingCode.LAYER_TAR_SPLIT_MISSING;
import static dev.dockfsck.checker.FindingCode.LAYER_UNREFERENCED;
import static dev.dockfsck.checker.FindingCode.ORPHAN_CACHE_DIR;
import static dev.dockfsck.checker.FindingCode.OVERLAY_DIFF_MISSING;
import static dev.dockfsck.checker.FindingCode.OVERLAY_LINK_INVALID;
import static dev.dockfsck.checker.FindingCode.OVERLAY_LOWER_INVALID;
import static dev.dockfsck.checker.FindingCode.OVERLAY_SYMLINK_DANGLING;
import static dev.dockfsck.checker.FindingCode.OVERLAY_SYMLINK_MISSING;
import static dev.dockfsck.checker.FindingCode.REFERENCE_LOST;
import static dev.dockfsck.checker.FindingCode.REFERENCE_TARGET_MISSING;
import static dev.dockfsck.checker.FindingCode.REPOSITORIES_INVALID;
import static dev.dockfsck.checker.FindingCode.STALE_IMPORT_TMP;
import static dev.dockfsck.checker.FindingCode.STALE_WRITE_SET;
import static dev.dockfsck.checker.FindingCode.UNEXPECTED_ENTRY;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dockfsck.checker.Expect;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.fixtures.image.BuiltImage;
import dev.dockfsck.fixtures.image.ImageSpec;
import dev.dockfsck.fixtures.image.LayerSpec;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.fixtures.store.StoreIds;
import dev.dockfsck.model.Digest;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every finding code of the shallow checker, produced on a builder store (jimfs, no dockerd
 * needed) of image {@code t:1} (layers L0, L1, L2) with container {@code c}, whole report asserted.
 * The real-dockerd counterpart is GoldenDamageIT; this one also runs where dockerd cannot, and
 * fails when a code is added without a test.
 */
class EveryCodeTest {
    /** Covered by the deep verifier's own tests (LayerVerifierTest, DeepVerifyDockerdIT, DeepWalkIT). */
    static final EnumSet<FindingCode> DEEP = EnumSet.of(LAYER_CONTENT_MISMATCH, LAYER_TAR_SPLIT_CORRUPT,
            FindingCode.LAYER_ENTRY_MISMATCH);

    /** One store and the names in it. */
    static final class S {
        final FileSystem fs = Stores.jimfs();
        final Path root;
        final StoreIds ids;
        final BuiltImage img = Stores.tiny("t:1");
        final Digest l0;
        final Digest l1;
        final Digest l2;
        final Digest imageId;
        final StoreIds.ContainerIds c;
        final BuiltImage untagged = ImageSpec.untagged().layer(LayerSpec.builder().file("u", "u\n").build()).build();

        S() throws Exception {
            StoreBuilder b = StoreBuilder.create(fs.getPath("/var/lib/docker"), 3);
            b.load(img);
            b.load(untagged);
            c = b.createContainer("t:1", "c");
            ids = b.ids();
            root = ids.root();
            l0 = img.chainIds().get(0);
            l1 = img.chainIds().get(1);
            l2 = img.chainIds().get(2);
            imageId = img.imageId();
        }

        String lr(Digest d) {
            return "image/overlay2/layerdb/sha256/" + d.hex();
        }

        String or(Digest d) {
            return "overlay2/" + ids.layer(d).cacheId();
        }

        String ir() {
            return "image/overlay2/imagedb/content/sha256/" + imageId.hex();
        }

        Subject ctr() {
            return Subject.container(c.id());
        }

        String cfg() {
            return "containers/" + c.id() + "/config.v2.json";
        }

        Path p(String rel) {
            return root.resolve(rel);
        }

        /** The findings that follow from damage to layer d of t:1 (its children, the image, the container). */
        Expect.F[] above(Digest d, Expect.F root) {
            List<Expect.F> out = new java.util.ArrayList<>(List.of(root,
                    f(IMAGE_LAYER_MISSING, image(imageId), ir(), image(imageId), ctr()),
                    f(CONTAINER_IMAGE_DAMAGED, ctr(), cfg(), ctr())));
            if (d.equals(l0)) {
                out.add(f(LAYER_PARENT_DAMAGED, layer(l1), lr(l1) + "/parent", image(imageId), ctr()));
            }
            if (!d.equals(l2)) {
                out.add(f(LAYER_PARENT_DAMAGED, layer(l2), lr(l2) + "/parent", image(imageId), ctr()));
            }
            return out.toArray(Expect.F[]::new);
        }
    }

    interface Case {
        Expect.F[] damage(S s) throws Exception;
    }

    static Map<FindingCode, Case> cases() {
        Map<FindingCode, Case> m = new EnumMap<>(FindingCode.class);
        m.put(LAYER_FILE_MISSING, s -> {
            Files.delete(s.p(s.lr(s.l2) + "/cache-id"));
            return s.above(s.l2, f(LAYER_FILE_MISSING, layer(s.l2), s.lr(s.l2) + "/cache-id", image(s.imageId), s.ctr()));
        });
        m.put(LAYER_FILE_INVALID, s -> {
            Files.write(s.p(s.lr(s.l1) + "/cache-id"), new byte[0]);
            return s.above(s.l1, f(LAYER_FILE_INVALID, layer(s.l1), s.lr(s.l1) + "/cache-id", image(s.imageId), s.ctr()));
        });
        m.put(LAYER_PARENT_DAMAGED, s -> {
            Files.write(s.p(s.lr(s.l0) + "/diff"), new byte[0]);
            return s.above(s.l0, f(LAYER_FILE_INVALID, layer(s.l0), s.lr(s.l0) + "/diff", image(s.imageId), s.ctr()));
        });
        m.put(LAYER_PARENT_MISSING, s -> {
            for (String f : List.of("cache-id", "diff", "size", "parent", "tar-split.json.gz")) {
                Files.delete(s.p(s.lr(s.l1) + "/" + f));
            }
            Files.delete(s.p(s.lr(s.l1)));
            return new Expect.F[] {
                    f(LAYER_PARENT_MISSING, layer(s.l2), s.lr(s.l2) + "/parent", image(s.imageId), s.ctr()),
                    f(IMAGE_LAYER_MISSING, image(s.imageId), s.ir(), image(s.imageId), s.ctr()),
                    f(CONTAINER_IMAGE_DAMAGED, s.ctr(), s.cfg(), s.ctr())};
        });
        m.put(LAYER_CHAINID_MISMATCH, s -> {
            Files.writeString(s.p(s.lr(s.l2) + "/diff"), s.img.diffIds().get(1).toString());
            return s.above(s.l2, f(LAYER_CHAINID_MISMATCH, layer(s.l2), s.lr(s.l2), image(s.imageId), s.ctr()));
        });
        m.put(LAYER_CACHE_DIR_MISSING, s -> {
            String cache = s.or(s.l2);
            deleteTree(s.p(cache));
            String l = "overlay2/l/" + s.ids.layer(s.l2).linkId();
            List<Expect.F> out = new java.util.ArrayList<>(List.of(s.above(s.l2,
                    f(LAYER_CACHE_DIR_MISSING, layer(s.l2), cache, image(s.imageId), s.ctr()))));
            out.add(f(OVERLAY_SYMLINK_DANGLING, path(l), l));
            return out.toArray(Expect.F[]::new);
        });
        m.put(LAYER_TAR_SPLIT_MISSING, s -> {
            Files.delete(s.p(s.lr(s.l1) + "/tar-split.json.gz"));
            return new Expect.F[] {f(LAYER_TAR_SPLIT_MISSING, layer(s.l1), s.lr(s.l1) + "/tar-split.json.gz")};
        });
        m.put(LAYER_UNREFERENCED, s -> {
            Files.delete(s.p("image/overlay2/imagedb/content/sha256/" + s.untagged.imageId().hex()));
            Digest u = s.untagged.chainIds().get(0);
            return new Expect.F[] {f(LAYER_UNREFERENCED, layer(u), s.lr(u))};
        });
        m.put(OVERLAY_DIFF_MISSING, s -> {
            deleteTree(s.p(s.or(s.l1) + "/diff"));
            return s.above(s.l1, f(OVERLAY_DIFF_MISSING, layer(s.l1), s.or(s.l1) + "/diff", image(s.imageId), s.ctr()));
        });
        m.put(OVERLAY_LINK_INVALID, s -> {
            Files.writeString(s.p(s.or(s.l1) + "/link"), "short");
            // a middle layer: only what is created on it from now on is spoiled
            return new Expect.F[] {f(OVERLAY_LINK_INVALID, layer(s.l1), s.or(s.l1) + "/link")};
        });
        m.put(OVERLAY_SYMLINK_MISSING, s -> {
            String l = "overlay2/l/" + s.ids.layer(s.l1).linkId();
            Files.delete(s.p(l));
            return s.above(s.l1, f(OVERLAY_SYMLINK_MISSING, layer(s.l1), l, image(s.imageId), s.ctr()));
        });
        m.put(FindingCode.OVERLAY_SYMLINK_WRONG, s -> {
            String l = "overlay2/l/" + s.ids.layer(s.l1).linkId();
            Files.delete(s.p(l));
            Files.createSymbolicLink(s.p(l), s.fs.getPath("../" + s.ids.layer(s.l2).cacheId() + "/diff"));
            return s.above(s.l1, f(FindingCode.OVERLAY_SYMLINK_WRONG, layer(s.l1), l, image(s.imageId), s.ctr()));
        });
        m.put(OVERLAY_SYMLINK_DANGLING, s -> {
            String l = "overlay2/l/AAAAAAAAAAAAAAAAAAAAAAAAAA";
            Files.createSymbolicLink(s.p(l), s.fs.getPath("../" + "0".repeat(64) + "/diff"));
            return new Expect.F[] {f(OVERLAY_SYMLINK_DANGLING, path(l), l)};
        });
        m.put(OVERLAY_LOWER_INVALID, s -> {
            Files.writeString(s.p(s.or(s.l2) + "/lower"), "l/" + s.ids.layer(s.l1).linkId());
            // the image's top layer: its new containers are spoiled, the existing one is not
            return new Expect.F[] {f(OVERLAY_LOWER_INVALID, layer(s.l2), s.or(s.l2) + "/lower", image(s.imageId))};
        });
        m.put(IMAGE_CONFIG_INVALID, s -> {
            Files.writeString(s.p(s.ir()), "{\"rootfs\":");
            return new Expect.F[] {f(IMAGE_CONFIG_INVALID, image(s.imageId), s.ir(), image(s.imageId), s.ctr()),
                    f(CONTAINER_IMAGE_DAMAGED, s.ctr(), s.cfg(), s.ctr())};
        });
        m.put(IMAGE_LAYER_MISSING, m.get(LAYER_FILE_MISSING));
        m.put(CONTAINER_IMAGE_DAMAGED, m.get(LAYER_FILE_MISSING));
        m.put(REPOSITORIES_INVALID, s -> {
            Files.writeString(s.ids.repositoriesJson(), "{\"Repositories\":");
            String r = "image/overlay2/repositories.json";
            return new Expect.F[] {f(REPOSITORIES_INVALID, path(r), r, image(s.imageId), image(s.untagged.imageId()), s.ctr())};
        });
        m.put(REFERENCE_TARGET_MISSING, s -> {
            Files.writeString(s.ids.repositoriesJson(), "{\"Repositories\":{\"t\":{\"t:1\":\"" + s.imageId + "\",\"t:0\":\"sha256:"
                    + "0".repeat(64) + "\"}}}");
            return new Expect.F[] {f(REFERENCE_TARGET_MISSING, Subject.reference("t:0"), "image/overlay2/repositories.json")};
        });
        m.put(CONTAINER_CONFIG_INVALID, s -> {
            Files.writeString(s.p(s.cfg()), "{\"State\":{}}");
            return new Expect.F[] {f(CONTAINER_CONFIG_INVALID, s.ctr(), s.cfg(), s.ctr())};
        });
        m.put(CONTAINER_LAYER_MISSING, s -> {
            String id = "image/overlay2/layerdb/mounts/" + s.c.id() + "/mount-id";
            Files.write(s.p(id), new byte[0]);
            return new Expect.F[] {f(CONTAINER_LAYER_MISSING, s.ctr(), id, s.ctr())};
        });
        m.put(ORPHAN_CACHE_DIR, s -> {
            String dir = "overlay2/" + "ab".repeat(32);
            Files.createDirectories(s.p(dir + "/diff"));
            Files.writeString(s.p(dir + "/diff/f"), "12345");
            Files.writeString(s.p(dir + "/link"), "BBBBBBBBBBBBBBBBBBBBBBBBBB");
            Files.createSymbolicLink(s.p("overlay2/l/BBBBBBBBBBBBBBBBBBBBBBBBBB"), s.fs.getPath("../" + "ab".repeat(32) + "/diff"));
            return new Expect.F[] {f(ORPHAN_CACHE_DIR, path(dir), dir)};
        });
        m.put(STALE_WRITE_SET, s -> {
            String ws = "image/overlay2/layerdb/tmp/write-set-42";
            Files.createDirectories(s.p(ws));
            Files.writeString(s.p(ws + "/size"), "1");
            return new Expect.F[] {f(STALE_WRITE_SET, path(ws), ws)};
        });
        m.put(INTERRUPTED_REMOVAL, s -> {
            String r = "image/overlay2/layerdb/sha256/" + "cd".repeat(32) + "-42-removing";
            Files.createDirectories(s.p(r));
            return new Expect.F[] {f(INTERRUPTED_REMOVAL, path(r), r)};
        });
        m.put(STALE_IMPORT_TMP, s -> {
            String t = "tmp/docker-import-42";
            Files.createDirectories(s.p(t));
            return new Expect.F[] {f(STALE_IMPORT_TMP, path(t), t)};
        });
        m.put(FindingCode.ATOMIC_WRITE_LEFTOVER, s -> {
            // what a power cut leaves of dockerd's atomic writes (moby pkg/ioutils: ".tmp-" + base + Go's random digits)
            List<String> tmps = List.of("image/overlay2/imagedb/content/sha256/.tmp-" + s.imageId.hex() + "123456789",
                    "image/overlay2/.tmp-repositories.json3316485",
                    "containers/" + s.c.id() + "/.tmp-config.v2.json4107361142",
                    "containers/" + s.c.id() + "/.tmp-hostconfig.json55",
                    "overlay2/" + s.ids.layer(s.l1).cacheId() + "/.tmp-lower290870512");
            List<Expect.F> out = new java.util.ArrayList<>();
            for (String t : tmps) {
                Files.writeString(s.p(t), "{\"half");
                out.add(f(FindingCode.ATOMIC_WRITE_LEFTOVER, path(t), t));
            }
            return out.toArray(Expect.F[]::new);
        });
        m.put(UNEXPECTED_ENTRY, s -> {
            Files.writeString(s.p("overlay2/README"), "x");
            return new Expect.F[] {f(UNEXPECTED_ENTRY, path("overlay2/README"), "overlay2/README")};
        });
        return m;
    }

    static void deleteTree(Path p) throws Exception {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }

    /** The JSON document as docs/report-format.md describes it, evidence keys by code included. */
    static void documentedShape(com.fasterxml.jackson.databind.JsonNode doc) {
        assertEquals("dockfsck.report/v1", doc.path("schema").asText());
        for (String k : List.of("root", "driver", "deep", "clean", "summary", "findings")) {
            org.junit.jupiter.api.Assertions.assertTrue(doc.has(k), k);
        }
        for (String k : List.of("images", "layers", "containers")) {
            for (String c : List.of("checked", "healthy", "damaged")) {
                org.junit.jupiter.api.Assertions.assertTrue(doc.path("summary").path(k).path(c).isInt(), k + "." + c);
            }
        }
        for (String k : List.of("bytes_reclaimable", "errors", "warnings", "infos")) {
            org.junit.jupiter.api.Assertions.assertTrue(doc.path("summary").path(k).isNumber(), k);
        }
        for (com.fasterxml.jackson.databind.JsonNode f : doc.path("findings")) {
            for (String k : List.of("code", "severity", "subject", "path", "message", "evidence", "consequence", "affects")) {
                org.junit.jupiter.api.Assertions.assertTrue(f.has(k), k + " in " + f);
            }
            FindingCode code = FindingCode.valueOf(f.path("code").asText());
            com.fasterxml.jackson.databind.JsonNode ev = f.path("evidence");
            List<String> keys = switch (code) {
                case LAYER_FILE_MISSING, LAYER_FILE_INVALID, CONTAINER_CONFIG_INVALID -> List.of("file", "defect", "detail");
                case ORPHAN_CACHE_DIR, STALE_WRITE_SET, INTERRUPTED_REMOVAL, STALE_IMPORT_TMP, ATOMIC_WRITE_LEFTOVER -> List.of("bytes");
                case OVERLAY_LOWER_INVALID -> List.of("expected");
                case LAYER_PARENT_MISSING, LAYER_PARENT_DAMAGED -> List.of("parent");
                case IMAGE_LAYER_MISSING -> List.of("missing_layers", "damaged_layers");
                default -> List.of();
            };
            for (String k : keys) {
                org.junit.jupiter.api.Assertions.assertTrue(ev.has(k), code + " evidence lacks " + k + ": " + ev);
            }
            if (code == LAYER_FILE_MISSING) {
                assertEquals("missing", ev.path("defect").asText(), ev.toString());
            }
        }
    }

    @Test
    void everyCodeButTheDeepOnesHasACase() {
        EnumSet<FindingCode> engineCodes = EnumSet.complementOf(DEEP);
        engineCodes.removeAll(AppStoreCodesTest.APP_STORE_CODES);
        engineCodes.remove(REFERENCE_LOST); // needs an app store: ReferenceLostRuleTest
        assertEquals(engineCodes, EnumSet.copyOf(cases().keySet()));
    }

    @TestFactory
    Stream<DynamicTest> eachCodeOnItsSubject() {
        return cases().entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey().name(), () -> {
            S s = new S();
            try {
                exactly(check(s.root));
                Expect.F[] expected = e.getValue().damage(s);
                Report r = check(s.root);
                exactly(r, expected);
                assertEquals(true, java.util.Arrays.stream(expected).anyMatch(x -> x.code() == e.getKey()));
                documentedShape(dev.dockfsck.checker.output.ReportJson.toJson(r));
            } finally {
                s.fs.close();
            }
        }));
    }
}
