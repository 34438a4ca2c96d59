package dev.dockfsck.checker.deep;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.dockfsck.checker.deep.LayerVerification.Outcome;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Random layers: a clean extraction verifies; one flipped content byte is always found and named. */
class LayerVerifierProperties {

    record Spec(Map<String, byte[]> files, List<String> dirs, int links) {
        long contentFiles() {
            return files.values().stream().filter(c -> c.length > 0).count();
        }
    }

    @Provide
    Arbitrary<Spec> layers() {
        Arbitrary<String> names = Arbitraries.strings().withCharRange('a', 'e').withChars('.', '-', 'é', '_')
                .ofMinLength(1).ofMaxLength(12).filter(s -> !s.equals(".") && !s.equals(".."));
        Arbitrary<byte[]> contents = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(3000),
                Arbitraries.bytes().array(byte[].class).ofMinSize(3000).ofMaxSize(70_000));
        Arbitrary<Map<String, byte[]>> files = Arbitraries.maps(
                Combinators.combine(Arbitraries.integers().between(0, 3), names).as((d, n) -> d == 0 ? n : "dir" + d + "/" + n),
                contents).ofMinSize(1).ofMaxSize(15);
        return Combinators.combine(files, Arbitraries.integers().between(0, 3))
                .as((f, l) -> new Spec(new LinkedHashMap<>(f), List.of("dir1", "dir2", "dir3"), l));
    }

    static TestLayer layerOf(Spec s) {
        TestLayer t = new TestLayer();
        for (String d : s.dirs()) {
            t.dir(d);
        }
        List<String> names = new ArrayList<>(s.files().keySet());
        for (Map.Entry<String, byte[]> e : s.files().entrySet()) {
            t.file(e.getKey(), e.getValue());
        }
        for (int i = 0; i < s.links(); i++) {
            t.symlink("link" + i, names.get(i % names.size()));
            t.hardlink("hard" + i, names.get(i % names.size()));
        }
        return t;
    }

    @Property(tries = 60)
    void cleanExtractionVerifies(@ForAll("layers") Spec spec) throws IOException {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            TestLayer.Built b = layerOf(spec).build(fs.getPath("/l"));
            LayerVerification v = new LayerVerifier().verify(b.job());
            assertEquals(Outcome.VERIFIED, v.outcome(), v.damaged().toString());
            assertEquals(b.tar().length, v.tarBytes());
        }
    }

    @Property(tries = 100)
    void anyFlippedContentByteIsFoundAndNamed(@ForAll("layers") Spec spec, @ForAll @IntRange(min = 0, max = 1_000_000) int pick,
                                               @ForAll @IntRange(min = 1, max = 255) int xor) throws IOException {
        List<String> candidates = spec.files().entrySet().stream().filter(e -> e.getValue().length > 0)
                .map(Map.Entry::getKey).toList();
        if (candidates.isEmpty()) {
            return;
        }
        String victim = candidates.get(pick % candidates.size());
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            TestLayer.Built b = layerOf(spec).build(fs.getPath("/l"));
            Path p = b.diffDir().resolve(victim);
            byte[] c = Files.readAllBytes(p);
            c[(pick / 7) % c.length] ^= (byte) xor;
            Files.write(p, c);
            LayerVerification v = new LayerVerifier().verify(b.job());
            assertEquals(Outcome.CONTENT_MISMATCH, v.outcome());
            assertEquals(1, v.damaged().size(), v.damaged().toString());
            assertEquals(victim, v.damaged().get(0).name());
            assertEquals(DamageKind.CONTENT_DIFFERS, v.damaged().get(0).kind());
        }
    }
}
