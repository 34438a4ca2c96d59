package dev.dockfsck.checker.rules;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dockfsck.checker.Expect;
import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.fixtures.image.BuiltImage;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.fixtures.store.StoreIds;
import dev.dockfsck.model.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whatever bytes end up in one of dockerd's metadata files (a power cut, a bad block, an editor),
 * the checker never throws and always reports a finding on that file's subject, unless dockerd
 * itself would read the bytes as the value that was there (then the store is still sound). The
 * oracle for "dockerd reads the same value" follows moby's own parsing: {@code strings.TrimSpace}
 * for cache-id, diff, parent, mount-id, init-id; {@code strconv.ParseInt} without trimming for
 * size; the raw bytes for {@code link} and {@code lower} (the overlay2 driver uses them as read).
 */
class MetadataBytesPropertiesTest {
    /** One metadata file of the sample store, the subject a finding must name, and how dockerd reads it. */
    enum Target {
        CACHE_ID(Oracle.TRIMMED), DIFF(Oracle.TRIMMED), SIZE(Oracle.GO_INT), PARENT(Oracle.TRIMMED),
        BASE_PARENT(Oracle.NEVER), LINK(Oracle.EXACT), LOWER(Oracle.EXACT), IMAGE_CONFIG(Oracle.EXACT),
        REPOSITORIES(Oracle.JSON_OBJECT), CONTAINER_CONFIG(Oracle.CONTAINER_JSON), MOUNT_ID(Oracle.TRIMMED),
        INIT_ID(Oracle.TRIMMED), INIT_LINK(Oracle.EXACT), RW_LOWER(Oracle.EXACT), HOST_CONFIG(Oracle.JSON_OBJECT);

        final Oracle oracle;

        Target(Oracle o) {
            this.oracle = o;
        }
    }

    enum Oracle { TRIMMED, GO_INT, EXACT, NEVER, JSON_OBJECT, CONTAINER_JSON }

    static FileSystem fs;
    static StoreIds ids;
    static Digest base;
    static Digest mid;
    static StoreIds.ContainerIds ctr;

    @BeforeContainer
    static void build() throws Exception {
        fs = Stores.jimfs();
        StoreBuilder b = StoreBuilder.create(fs.getPath("/var/lib/docker"), 11);
        BuiltImage img = Stores.tiny("t:1");
        b.load(img);
        ctr = b.createContainer("t:1", "c");
        ids = b.ids();
        base = img.chainIds().get(0);
        mid = img.chainIds().get(1);
        Report r = Expect.check(ids.root());
        assertTrue(r.findings().isEmpty(), "the sample store is sound\n" + Expect.describe(r));
    }

    @AfterContainer
    static void close() throws IOException {
        fs.close();
    }

    static Path file(Target t) {
        Path root = ids.root();
        return switch (t) {
            case CACHE_ID -> ids.layerDbDir(mid).resolve("cache-id");
            case DIFF -> ids.layerDbDir(mid).resolve("diff");
            case SIZE -> ids.layerDbDir(mid).resolve("size");
            case PARENT -> ids.layerDbDir(mid).resolve("parent");
            case BASE_PARENT -> ids.layerDbDir(base).resolve("parent");
            case LINK -> ids.overlayDir(mid).resolve("link");
            case LOWER -> ids.overlayDir(mid).resolve("lower");
            case IMAGE_CONFIG -> ids.imageConfig(ctr.imageId());
            case REPOSITORIES -> ids.repositoriesJson();
            case CONTAINER_CONFIG -> root.resolve("containers").resolve(ctr.id()).resolve("config.v2.json");
            case MOUNT_ID -> root.resolve("image/overlay2/layerdb/mounts").resolve(ctr.id()).resolve("mount-id");
            case INIT_ID -> root.resolve("image/overlay2/layerdb/mounts").resolve(ctr.id()).resolve("init-id");
            case INIT_LINK -> root.resolve("overlay2").resolve(ctr.initId()).resolve("link");
            case RW_LOWER -> root.resolve("overlay2").resolve(ctr.mountId()).resolve("lower");
            case HOST_CONFIG -> root.resolve("containers").resolve(ctr.id()).resolve("hostconfig.json");
        };
    }

    static Subject subject(Target t) {
        return switch (t) {
            case CACHE_ID, DIFF, SIZE, PARENT, LINK, LOWER -> Subject.layer(mid);
            case BASE_PARENT -> Subject.layer(base);
            case IMAGE_CONFIG -> Subject.image(ctr.imageId());
            case REPOSITORIES -> Subject.path("image/overlay2/repositories.json");
            case CONTAINER_CONFIG, MOUNT_ID, INIT_ID, INIT_LINK, RW_LOWER, HOST_CONFIG -> Subject.container(ctr.id());
        };
    }

    /** Whether dockerd would read {@code bytes} as the value {@code original} holds (or as valid, for size and JSON). */
    static boolean dockerdReadsItAsSound(Target t, byte[] original, byte[] bytes) {
        return switch (t.oracle) {
            case NEVER -> false;
            case EXACT -> Arrays.equals(original, bytes);
            case TRIMMED -> Arrays.equals(original, GoText.trimSpace(bytes));
            case GO_INT -> GoText.parseInt(bytes);
            case JSON_OBJECT -> jsonObject(bytes) != null;
            case CONTAINER_JSON -> {
                JsonNode n = jsonObject(bytes);
                yield n != null && n.path("Image").isTextual();
            }
        };
    }

    static JsonNode jsonObject(byte[] b) {
        try {
            JsonNode n = new ObjectMapper().readTree(b);
            return n != null && n.isObject() ? n : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Writes {@code bytes} into the target, checks, restores the file; returns the report. */
    static Report withBytes(Target t, byte[] bytes) throws Exception {
        Path p = file(t);
        boolean existed = Files.exists(p, LinkOption.NOFOLLOW_LINKS);
        byte[] original = existed ? Files.readAllBytes(p) : null;
        Files.write(p, bytes);
        try {
            return Expect.check(ids.root());
        } finally {
            if (existed) {
                Files.write(p, original);
            } else {
                Files.delete(p);
            }
        }
    }

    static byte[] original(Target t) throws IOException {
        Path p = file(t);
        return Files.exists(p) ? Files.readAllBytes(p) : new byte[0];
    }

    @Property(tries = 250)
    void anyBytesInAMetadataFileAreFoundOnItsSubject(@ForAll("targets") Target t, @ForAll("contents") byte[] bytes)
            throws Exception {
        byte[] original = original(t);
        Assume.that(!dockerdReadsItAsSound(t, original, bytes));
        Report r = withBytes(t, bytes);
        Subject s = subject(t);
        List<Finding> on = r.findings().stream().filter(f -> f.subject().equals(s)).toList();
        assertFalse(on.isEmpty(), t + " <- " + show(bytes) + ": no finding on " + s + "\n" + Expect.describe(r));
        assertFalse(r.clean());
    }

    @Property(tries = 80)
    void bytesDockerdReadsAsTheSameValueAreNoFinding(@ForAll("targets") Target t, @ForAll("blanks") byte[] pre,
                                                     @ForAll("blanks") byte[] post) throws Exception {
        Assume.that(t.oracle == Oracle.TRIMMED);
        byte[] padded = concat(pre, original(t), post);
        Report r = withBytes(t, padded);
        assertTrue(r.findings().isEmpty(), t + " <- " + show(padded) + "\n" + Expect.describe(r));
    }

    /** Damage Java's strip() would have hidden: dockerd rejects each of these. */
    @Example
    void whiteSpaceDockerdDoesNotTrimIsFound() throws Exception {
        byte[] size = original(Target.SIZE);
        byte[] link = original(Target.LINK);
        byte[] cache = original(Target.CACHE_ID);
        for (Object[] c : new Object[][] {
                {Target.SIZE, concat(size, "\n".getBytes(StandardCharsets.US_ASCII))},
                {Target.SIZE, concat(" ".getBytes(StandardCharsets.US_ASCII), size)},
                {Target.LINK, concat(link, "\n".getBytes(StandardCharsets.US_ASCII))},
                {Target.INIT_LINK, concat(original(Target.INIT_LINK), " ".getBytes(StandardCharsets.US_ASCII))},
                {Target.CACHE_ID, concat(cache, "\u001f".getBytes(StandardCharsets.UTF_8))}}) {
            Target t = (Target) c[0];
            Report r = withBytes(t, (byte[]) c[1]);
            assertTrue(r.findings().stream().anyMatch(f -> f.subject().equals(subject(t))
                            && f.path().endsWith(file(t).getFileName().toString())),
                    t + " <- " + show((byte[]) c[1]) + "\n" + Expect.describe(r));
        }
        // and white space Go does trim is no damage
        assertTrue(withBytes(Target.CACHE_ID, concat(cache, "\u0085".getBytes(StandardCharsets.UTF_8))).findings().isEmpty());
    }

    @Example
    void theOracleIsNotVacuous() throws Exception {
        // each target's own bytes are sound, and the edge cases of the oracle hold
        for (Target t : Target.values()) {
            if (t != Target.BASE_PARENT) {
                assertTrue(dockerdReadsItAsSound(t, original(t), original(t)), t.name());
            }
        }
        assertFalse(GoText.parseInt("42\n".getBytes(StandardCharsets.US_ASCII)));
        assertTrue(GoText.parseInt("+0042".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(GoText.parseInt("\u0664\u0662".getBytes(StandardCharsets.UTF_8)));
        assertTrue(Arrays.equals("x".getBytes(StandardCharsets.UTF_8),
                GoText.trimSpace("\u00a0 x\u0085\n".getBytes(StandardCharsets.UTF_8))));
        assertTrue(Arrays.equals("\u001cx".getBytes(StandardCharsets.UTF_8),
                GoText.trimSpace("\u001cx".getBytes(StandardCharsets.UTF_8))));
    }

    @Provide
    Arbitrary<Target> targets() {
        return Arbitraries.of(Target.class);
    }

    /** Whitespace as Go and Java disagree about it, and plain white space. */
    @Provide
    Arbitrary<byte[]> blanks() {
        return Arbitraries.of(" ", "\n", "\t", "\r\n", "\u000b", "\f", "\u0085", "\u00a0", "\u2028", "\u3000", "\u2007")
                .list().ofMaxSize(3).map(l -> String.join("", l).getBytes(StandardCharsets.UTF_8));
    }

    /** Arbitrary bytes, cut or padded originals, other well-formed ids, and near-miss whitespace. */
    @Provide
    Arbitrary<byte[]> contents() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(120);
        Arbitrary<byte[]> hexId = Arbitraries.strings().withChars("0123456789abcdef").ofLength(64)
                .map(s -> s.getBytes(StandardCharsets.US_ASCII));
        Arbitrary<byte[]> digest = hexId.map(h -> concat("sha256:".getBytes(StandardCharsets.US_ASCII), h));
        Arbitrary<byte[]> shortId = Arbitraries.strings().withChars("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789").ofLength(26)
                .map(s -> s.getBytes(StandardCharsets.US_ASCII));
        Arbitrary<byte[]> number = Arbitraries.longs().map(l -> Long.toString(l).getBytes(StandardCharsets.US_ASCII));
        Arbitrary<byte[]> odd = Arbitraries.of("\u001c", "\u001f", "\u0000", "\u200b", "\ufeff", "\u00a0", "\n", " ")
                .map(s -> s.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> base = Arbitraries.oneOf(random, hexId, digest, shortId, number,
                Arbitraries.just(new byte[0]), Arbitraries.just("{}".getBytes(StandardCharsets.US_ASCII)),
                Arbitraries.just("[]".getBytes(StandardCharsets.US_ASCII)),
                Arbitraries.just("null".getBytes(StandardCharsets.US_ASCII)));
        // a real file's bytes, cut short or with something around it: the likeliest damage of all
        Arbitrary<byte[]> fromOriginal = Combinators.combine(Arbitraries.of(Target.class), Arbitraries.integers().between(0, 200),
                odd, Arbitraries.of(true, false)).as((t, cut, extra, before) -> {
                    try {
                        byte[] o = original(t);
                        byte[] c = Arrays.copyOf(o, Math.min(o.length, cut));
                        return cut % 2 == 0 ? c : before ? concat(extra, o) : concat(o, extra);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, base), net.jqwik.api.Tuple.of(3, fromOriginal));
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int i = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        return out;
    }

    static String show(byte[] b) {
        List<String> out = new ArrayList<>();
        String s = new String(b, StandardCharsets.UTF_8);
        return dev.dockfsck.model.Texts.quote(s) + " (" + b.length + " bytes)" + (out.isEmpty() ? "" : "");
    }
}
