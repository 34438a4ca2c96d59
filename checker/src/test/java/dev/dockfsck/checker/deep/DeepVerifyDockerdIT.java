package dev.dockfsck.checker.deep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.checker.deep.LayerVerification.Outcome;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.image.BuiltImage;
import dev.dockfsck.fixtures.image.DockerArchive;
import dev.dockfsck.fixtures.image.ImageSpec;
import dev.dockfsck.fixtures.image.LayerEntry;
import dev.dockfsck.fixtures.image.LayerSpec;
import dev.dockfsck.model.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier on stores made by a real dockerd 20.10 ({@code docker load}): every kind of entry
 * verifies clean; each kind of damage is found on the right layer, naming exactly the damaged file
 * and its kind; a cut or garbled tar-split is a corrupt outcome, never a crash.
 */
class DeepVerifyDockerdIT {
    @TempDir
    Path tmp;

    static final byte[] LATIN1_NAME = "exotic/caf\u00e9-latin1.txt".getBytes(StandardCharsets.ISO_8859_1);
    static final String LONG_NAME = "exotic/" + "long-directory-name-".repeat(4) + "/" + "a-file-name-well-over-100-bytes-".repeat(3) + ".txt";

    /** An image with every kind of entry a layer can hold, and an empty layer. */
    static BuiltImage everything() {
        LayerSpec base = LayerSpec.builder()
                .dir("etc")
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n")
                .emptyFile("etc/empty")
                .dir("bin")
                .add(LayerEntry.file("bin/setuid-tool", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8), 04755))
                .symlink("bin/sh-link", "setuid-tool")
                .hardlink("bin/hard-link", "bin/setuid-tool")
                .fifo("bin/a-fifo")
                .dir("exotic")
                .build();
        LayerSpec names = LayerSpec.builder()
                .dir("exotic/" + "long-directory-name-".repeat(4))
                .file(LONG_NAME, "a long name".getBytes(StandardCharsets.UTF_8), 0644)
                .file("exotic/utf8-\u00e9\u00e8-\u65e5\u672c.txt", "utf-8 name")
                .file(LATIN1_NAME, "a name that is not UTF-8".getBytes(StandardCharsets.UTF_8), 0644)
                .bigFile("exotic/big.bin", 3 * 1024 * 1024 + 123, 42)
                .build();
        LayerSpec upper = LayerSpec.builder()
                .whiteout("etc/empty")
                .dir("bin")
                .opaque("exotic")
                .file("exotic/after-opaque", "new")
                .build();
        return ImageSpec.builder("dockfsck/deep-all:1").layer(base).layer(names).layer(upper).layer(LayerSpec.empty())
                .build();
    }

    /** One victim file per layer, so that each damage must be found on its own layer. */
    static BuiltImage victims() {
        ImageSpec.Builder b = ImageSpec.builder("dockfsck/deep-victims:1");
        for (String v : List.of("zero", "truncated", "flipped", "deleted", "symlinked")) {
            b.layer(LayerSpec.builder().dir("v-" + v)
                    .bigFile("v-" + v + "/" + v + ".bin", 200_000 + v.length(), v.hashCode())
                    .file("v-" + v + "/keep.txt", "intact " + v).build());
        }
        return b.build();
    }

    record Store(Path root, Map<Digest, LayerJob> jobs) {
        Path diff(BuiltImage img, int layer) {
            return jobs.get(img.chainIds().get(layer)).diffDir();
        }
    }

    Store load(List<BuiltImage> images) throws IOException {
        Dockerd.assumeAvailable();
        Path archive = tmp.resolve("images.tar");
        DockerArchive.write(images, archive);
        Path root;
        try (Dockerd d = Dockerd.start(tmp.resolve("d"))) {
            d.load(archive);
            root = d.dataRoot();
        }
        Map<Digest, LayerJob> jobs = new LinkedHashMap<>();
        for (BuiltImage img : images) {
            for (int i = 0; i < img.layers().size(); i++) {
                Digest chain = img.chainIds().get(i);
                Path layerDir = root.resolve("image/overlay2/layerdb/sha256").resolve(chain.hex());
                String cache = Files.readString(layerDir.resolve("cache-id")).strip();
                Digest diff = Digest.parse(Files.readString(layerDir.resolve("diff")).strip());
                assertEquals(img.diffIds().get(i), diff);
                jobs.put(chain, new LayerJob(chain, diff, root.resolve("overlay2").resolve(cache).resolve("diff"),
                        layerDir.resolve("tar-split.json.gz"),
                        Long.parseLong(Files.readString(layerDir.resolve("size")).strip())));
            }
        }
        return new Store(root, jobs);
    }

    static Map<Digest, LayerVerification> verifyAll(Store s) {
        Map<Digest, LayerVerification> out = new LinkedHashMap<>();
        for (LayerVerification v : LayerVerifier.verifyAll(new ArrayList<>(s.jobs().values()), 2, null)) {
            out.put(v.job().chainId(), v);
        }
        return out;
    }

    @Test
    void everyKindOfEntryVerifiesClean() throws IOException {
        BuiltImage all = everything();
        Store s = load(List.of(all, victims()));
        Map<Digest, LayerVerification> res = verifyAll(s);
        assertEquals(s.jobs().size(), res.size());
        for (LayerVerification v : res.values()) {
            assertEquals(Outcome.VERIFIED, v.outcome(), v.job().chainId() + ": " + v.damaged());
            assertEquals(List.of(), v.damagedEntries(), v.job().chainId() + ": entries as dockerd extracted them");
            assertTrue(v.toFindings(s.root()).isEmpty());
        }
        // the non-UTF-8 name and the big file really were read
        LayerVerification names = res.get(all.chainIds().get(1));
        assertTrue(names.contentBytes() > 3 * 1024 * 1024, "big file read: " + names.contentBytes());
        assertTrue(Files.list(s.diff(all, 1).resolve("exotic")).anyMatch(p -> p.getFileName().toString().startsWith("caf")));
    }

    @Test
    void eachDamageIsFoundOnItsLayerNamingTheFileAndKind() throws IOException {
        BuiltImage img = victims();
        Store s = load(List.of(img));
        Path zero = s.diff(img, 0).resolve("v-zero/zero.bin");
        Files.write(zero, new byte[0]);
        Path trunc = s.diff(img, 1).resolve("v-truncated/truncated.bin");
        Files.write(trunc, Arrays.copyOf(Files.readAllBytes(trunc), 100_000));
        Path flip = s.diff(img, 2).resolve("v-flipped/flipped.bin");
        byte[] c = Files.readAllBytes(flip);
        for (int i = 0; i < 16; i++) {
            c[150_000 + i] ^= (byte) 0xA5;
        }
        Files.write(flip, c);
        Files.delete(s.diff(img, 3).resolve("v-deleted/deleted.bin"));
        Path link = s.diff(img, 4).resolve("v-symlinked/symlinked.bin");
        Path elsewhere = tmp.resolve("same-content-elsewhere");
        Files.copy(link, elsewhere);
        Files.delete(link);
        Files.createSymbolicLink(link, elsewhere);

        Map<Digest, LayerVerification> res = verifyAll(s);
        List<String> names = List.of("zero", "truncated", "flipped", "deleted", "symlinked");
        List<DamageKind> kinds = List.of(DamageKind.WRONG_SIZE, DamageKind.WRONG_SIZE, DamageKind.CONTENT_DIFFERS,
                DamageKind.MISSING, DamageKind.NOT_REGULAR);
        for (int i = 0; i < 5; i++) {
            Digest chain = img.chainIds().get(i);
            LayerVerification v = res.get(chain);
            assertEquals(Outcome.CONTENT_MISMATCH, v.outcome(), names.get(i));
            assertEquals(1, v.damaged().size(), names.get(i) + ": " + v.damaged());
            DamagedFile d = v.damaged().get(0);
            assertEquals("v-" + names.get(i) + "/" + names.get(i) + ".bin", d.name());
            assertEquals(kinds.get(i), d.kind(), d.toString());
            long expected = 200_000 + names.get(i).length();
            assertEquals(expected, d.expectedSize());
            List<Finding> fs = v.toFindings(s.root());
            assertEquals(1, fs.size());
            assertEquals(FindingCode.LAYER_CONTENT_MISMATCH, fs.get(0).code());
            assertEquals(Subject.layer(chain), fs.get(0).subject());
            assertEquals(img.diffIds().get(i).toString(), fs.get(0).evidence().get("expected_diff_id"));
        }
        assertEquals(0, res.get(img.chainIds().get(0)).damaged().get(0).actualSize());
        assertEquals(100_000, res.get(img.chainIds().get(1)).damaged().get(0).actualSize());
        assertEquals(200_007, res.get(img.chainIds().get(2)).damaged().get(0).actualSize());
    }

    /**
     * Entries without content as dockerd extracted them, then lost or changed: the digest still
     * matches (docker save would succeed), the verifier names each with what it expected.
     */
    @Test
    void entriesWithoutContentLostOrChangedAreNamed() throws IOException {
        BuiltImage all = everything();
        Store s = load(List.of(all));
        Path base = s.diff(all, 0);
        Files.delete(base.resolve("bin/sh-link"));
        Files.delete(base.resolve("etc/empty"));
        Files.delete(base.resolve("bin/a-fifo"));
        Files.writeString(base.resolve("bin/a-fifo"), "");
        Files.delete(base.resolve("bin/hard-link"));
        // the upper layer's whiteout of etc/empty is a char device 0/0 on disk: lost, the deleted
        // file shows again in the image; its tar header (.wh.empty) names it
        Files.delete(s.diff(all, 2).resolve("etc/empty"));

        Map<Digest, LayerVerification> res = verifyAll(s);
        LayerVerification v = res.get(all.chainIds().get(0));
        assertEquals(Outcome.VERIFIED, v.outcome(), "the digest cannot see them");
        assertEquals(List.of("etc/empty: missing (expected an empty regular file)",
                        "bin/sh-link: missing (expected a symbolic link)",
                        "bin/hard-link: missing (expected a hard link (a regular file))",
                        "bin/a-fifo: wrong_type (expected a FIFO, found a regular file)"),
                v.damagedEntries().stream().map(DamagedFile::toEntryString).toList());
        List<Finding> fs = v.toFindings(s.root());
        assertEquals(List.of(FindingCode.LAYER_ENTRY_MISMATCH), fs.stream().map(Finding::code).toList());
        assertEquals(Subject.layer(all.chainIds().get(0)), fs.get(0).subject());
        assertEquals(List.of("etc/empty: missing (expected a whiteout (a character device 0/0))"),
                res.get(all.chainIds().get(2)).damagedEntries().stream().map(DamagedFile::toEntryString).toList());
        assertEquals("whiteout", res.get(all.chainIds().get(2)).damagedEntries().get(0).toEntryEvidence().get("expected"));
        for (int i = 1; i < all.layers().size(); i++) {
            if (i != 2) {
                assertEquals(List.of(), res.get(all.chainIds().get(i)).toFindings(s.root()), "layer " + i);
            }
        }
    }

    @Test
    void cutOrGarbledTarSplitIsCorruptNeverACrash() throws IOException {
        BuiltImage img = victims();
        Store s = load(List.of(img));
        LayerJob cut = s.jobs().get(img.chainIds().get(0));
        byte[] gz = Files.readAllBytes(cut.tarSplit());
        Files.write(cut.tarSplit(), Arrays.copyOf(gz, gz.length * 2 / 3));
        LayerJob garbled = s.jobs().get(img.chainIds().get(1));
        byte[] g = Files.readAllBytes(garbled.tarSplit());
        for (int i = g.length / 3; i < g.length / 3 + 24; i++) {
            g[i] = (byte) (g[i] * 31 + 7);
        }
        Files.write(garbled.tarSplit(), g);

        Map<Digest, LayerVerification> res = verifyAll(s);
        for (int i = 0; i < 2; i++) {
            LayerVerification v = res.get(img.chainIds().get(i));
            assertEquals(Outcome.TAR_SPLIT_CORRUPT, v.outcome(), String.valueOf(v.tarSplitError()));
            Finding f = v.toFindings(s.root()).get(0);
            assertEquals(FindingCode.LAYER_TAR_SPLIT_CORRUPT, f.code());
            assertTrue(f.path().endsWith("tar-split.json.gz"), f.path());
        }
        for (int i = 2; i < 5; i++) {
            assertEquals(Outcome.VERIFIED, res.get(img.chainIds().get(i)).outcome());
        }
    }
}
