package dev.dockfsck.model.tarsplit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dockfsck.model.Digest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * For random layer tars ({@link LayerTars}), the packed tar-split re-assembles, with the files'
 * contents served from a map by name, to the exact tar; the DiffID is the tar's sha256; and the
 * entry handler sees every entry, in order, with its content.
 */
class TarSplitPackerProperties {
    @Provide
    Arbitrary<LayerTars.Layer> layers() {
        return Arbitraries.longs().map(LayerTars::generate);
    }

    @Property(tries = 200)
    void packedTarSplitReassemblesToTheExactTar(@ForAll("layers") LayerTars.Layer layer) throws Exception {
        byte[] tar = layer.tar();
        Map<String, byte[]> contents = new HashMap<>();
        for (LayerTars.Entry e : layer.entries()) {
            if (e.content().length > 0) {
                contents.put(e.key(), e.content());
            }
        }
        List<String> seen = new ArrayList<>();
        Map<String, byte[]> seenContent = new HashMap<>();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        TarSplitPacker.Result packed = TarSplitPacker.pack(new ByteArrayInputStream(tar), gz, (h, content) -> {
            String key = new String(h.nameBytes(), StandardCharsets.ISO_8859_1);
            seen.add(key);
            // read a little only, sometimes: the packer drains the rest
            seenContent.put(key, key.hashCode() % 3 == 0 ? content.readNBytes(7) : content.readAllBytes());
        });
        assertEquals(Digest.sha256Of(tar), packed.diffId());
        assertEquals(tar.length, packed.tarLength());
        assertEquals(layer.entries().size(), packed.fileEntries());
        assertEquals(layer.entries().stream().map(LayerTars.Entry::key).toList(), seen);
        for (LayerTars.Entry e : layer.entries()) {
            byte[] got = seenContent.get(e.key());
            byte[] want = e.key().hashCode() % 3 == 0 ? java.util.Arrays.copyOf(e.content(), Math.min(7, e.content().length))
                    : e.content();
            assertArrayEquals(want, got, e.key());
        }

        ByteArrayOutputStream back = new ByteArrayOutputStream();
        TarSplitAssembler.Result r;
        try (TarSplitReader reader = TarSplitReader.of(new ByteArrayInputStream(gz.toByteArray()))) {
            r = TarSplitAssembler.assemble(reader, (name, size) -> {
                byte[] c = contents.get(new String(name, StandardCharsets.ISO_8859_1));
                return c == null ? null : new ByteArrayInputStream(c);
            }, back);
        }
        assertArrayEquals(tar, back.toByteArray());
        assertEquals(packed.diffId(), r.sha256());
        assertEquals(tar.length, r.tarLength());
        assertEquals(layer.entries().size(), r.files());
    }

    /** The generator is worth its tries: over 200 seeds the packer sees every kind it should. */
    @org.junit.jupiter.api.Test
    void generatorCoversWhatTheAcceptanceNames() throws IOException {
        java.util.Set<String> features = new java.util.TreeSet<>();
        for (long seed = 0; seed < 200; seed++) {
            LayerTars.Layer layer = LayerTars.generate(seed);
            features.add(layer.how().replaceAll(",.*", ""));
            TarSplitPacker.pack(new ByteArrayInputStream(layer.tar()), java.io.OutputStream.nullOutputStream(), (h, c) -> {
                String n = h.displayName();
                features.add("type " + (char) h.typeflag());
                if (h.nameBytes().length > 100) {
                    features.add("long name");
                }
                if (h.linknameBytes().length > 100) {
                    features.add("long link");
                }
                if (!TarSplitNames.isUtf8(h.nameBytes())) {
                    features.add("non-UTF-8 name");
                }
                if (!h.xattrs().isEmpty()) {
                    features.add("xattrs");
                }
                if (n.contains("/.wh..wh..opq")) {
                    features.add("opaque");
                } else if (n.contains(".wh.")) {
                    features.add("whiteout");
                }
                if (h.uid() > 07777777) {
                    features.add("big uid");
                }
            });
        }
        assertEquals("[big uid, commons-compress GNU long names, commons-compress PAX long names, hand-written GNU, "
                + "hand-written USTAR/PAX, long link, long name, non-UTF-8 name, opaque, type 0, type 1, type 2, type 5, "
                + "whiteout, xattrs]", features.toString());
    }

    /** A cut anywhere is a clean end at a header boundary or a LayerTarException: never anything else. */
    @Property(tries = 100)
    void aCutTarIsALayerTarExceptionOrACleanEnd(@ForAll("layers") LayerTars.Layer layer, @ForAll double where)
            throws IOException {
        byte[] tar = layer.tar();
        byte[] cut = java.util.Arrays.copyOf(tar, (int) (Math.abs(where) % 1.0 * tar.length));
        try {
            TarSplitPacker.Result r = TarSplitPacker.pack(new ByteArrayInputStream(cut), new ByteArrayOutputStream());
            assertEquals(Digest.sha256Of(cut), r.diffId());
        } catch (LayerTarException expected) {
            // the message names the entry
            assertEquals(true, expected.getMessage().startsWith("layer tar, entry "), expected.getMessage());
        }
    }
}
