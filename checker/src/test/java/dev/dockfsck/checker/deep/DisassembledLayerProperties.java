package dev.dockfsck.checker.deep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.dockfsck.checker.deep.LayerVerification.Outcome;
import dev.dockfsck.fixtures.image.LayerSpec;
import dev.dockfsck.fixtures.tarsplit.TarSplitDisassembler;
import dev.dockfsck.model.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Random layer tars (the fixtures' Go-style writer: PAX records, long names, links, FIFOs,
 * whiteouts, GNU record padding), disassembled by the fixtures' byte-exact copy of dockerd's
 * tar-split writer, extracted as its file putter does: a clean layer verifies; any one flipped
 * content byte is found and named.
 */
class DisassembledLayerProperties {

    /**
     * @param files          the files with content (the only ones {@link #disassemble} writes)
     * @param withoutContent the entries without content that are then absent from diff/: links,
     *                       FIFOs, empty files and directories no written file lies in (whiteouts aside)
     */
    record Layer(LayerSpec spec, List<String> files, java.util.Set<String> withoutContent) {
    }

    @Provide
    Arbitrary<Layer> layers() {
        Arbitrary<String> names = Arbitraries.strings().withCharRange('a', 'f').withChars('é', '日', ' ', '.')
                .ofMinLength(1).ofMaxLength(40).filter(s -> !s.equals(".") && !s.equals("..") && !s.endsWith("."));
        Arbitrary<byte[]> contents = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(2000),
                Arbitraries.bytes().array(byte[].class).ofMinSize(2000).ofMaxSize(100_000));
        Arbitrary<Map<String, byte[]>> files = Arbitraries.maps(
                Combinators.combine(Arbitraries.integers().between(0, 2), names)
                        .as((d, n) -> d == 0 ? n : (d == 1 ? "d1/" : "d2/" + "deep-".repeat(25) + "/") + n),
                contents).ofMinSize(1).ofMaxSize(12);
        return Combinators.combine(files, Arbitraries.of(0, 10240), Arbitraries.integers().between(0, 3)).as((f, rec, extras) -> {
            LayerSpec.Builder b = LayerSpec.builder().dir("d1").dir("d2").dir("d2/" + "deep-".repeat(25));
            List<String> names2 = new ArrayList<>(f.keySet());
            for (Map.Entry<String, byte[]> e : f.entrySet()) {
                b.file(e.getKey(), e.getValue(), 0644);
            }
            for (int i = 0; i < extras; i++) {
                b.symlink("sym" + i, names2.get(i % names2.size()));
                b.hardlink("hard" + i, names2.get(i % names2.size()));
                b.fifo("fifo" + i);
                b.whiteout("gone" + i);
            }
            List<String> withContent = names2.stream().filter(n -> f.get(n).length > 0).toList();
            java.util.Set<String> absent = new java.util.TreeSet<>();
            for (int i = 0; i < extras; i++) {
                absent.addAll(List.of("sym" + i, "hard" + i, "fifo" + i));
            }
            names2.stream().filter(n -> f.get(n).length == 0).forEach(absent::add);
            for (String dir : List.of("d1", "d2", "d2/" + "deep-".repeat(25))) {
                if (withContent.stream().noneMatch(n -> n.startsWith(dir + "/"))) {
                    absent.add(dir);
                }
            }
            return new Layer(b.recordSize(rec).build(), withContent, absent);
        });
    }

    /** Writes tar-split.json.gz and the files of size &gt; 0 under root; returns the job. */
    static LayerJob disassemble(LayerSpec spec, Path root) throws IOException {
        Path diff = root.resolve("diff");
        Files.createDirectories(diff);
        Path ts = root.resolve("tar-split.json.gz");
        Digest diffId;
        try (OutputStream os = Files.newOutputStream(ts)) {
            diffId = TarSplitDisassembler.disassemble(new ByteArrayInputStream(spec.tar()), os, (TarSplitDisassembler.FilePutter) (name, content) -> {
                Path p = diff.resolve(new String(name, StandardCharsets.UTF_8));
                Files.createDirectories(p.getParent());
                Files.write(p, content.readAllBytes());
            });
        }
        return new LayerJob(diffId, diffId, diff, ts);
    }

    @Property(tries = 40)
    void disassembledLayersVerify(@ForAll("layers") Layer layer) throws IOException {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            LayerVerification v = new LayerVerifier().verify(disassemble(layer.spec(), fs.getPath("/l")));
            assertEquals(Outcome.VERIFIED, v.outcome(), v.damaged().toString());
            assertEquals(layer.spec().tar().length, v.tarBytes());
            // only the files with content were written: every other entry is reported missing,
            // except whiteouts (never on disk under their tar name)
            assertTrue(v.damagedEntries().stream().allMatch(d -> d.kind() == DamageKind.MISSING), v.damagedEntries().toString());
            assertEquals(layer.withoutContent(), v.damagedEntries().stream().map(d -> d.name().replaceAll("/+$", ""))
                    .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new)));
        }
    }

    @Property(tries = 60)
    void anyFlippedByteIsNamed(@ForAll("layers") Layer layer, @ForAll @IntRange(min = 0, max = 1_000_000) int pick,
                               @ForAll @IntRange(min = 1, max = 255) int xor) throws IOException {
        if (layer.files().isEmpty()) {
            return;
        }
        String victim = layer.files().get(pick % layer.files().size());
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            LayerJob job = disassemble(layer.spec(), fs.getPath("/l"));
            Path p = job.diffDir().resolve(victim);
            byte[] c = Files.readAllBytes(p);
            c[(pick / 3) % c.length] ^= (byte) xor;
            Files.write(p, c);
            LayerVerification v = new LayerVerifier().verify(job);
            assertEquals(Outcome.CONTENT_MISMATCH, v.outcome());
            assertEquals(1, v.damaged().size(), v.damaged().toString());
            assertEquals(victim, v.damaged().get(0).name());
            assertEquals(DamageKind.CONTENT_DIFFERS, v.damaged().get(0).kind());
        }
    }
}
