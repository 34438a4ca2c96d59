package dev.dockfsck.model.tarsplit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.model.tarsplit.TarSplitException.Kind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarSplitReaderTest {

    static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bo)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bo.toByteArray();
    }

    static List<TarSplitEntry> readAll(byte[] gz) throws TarSplitException, IOException {
        List<TarSplitEntry> out = new ArrayList<>();
        try (TarSplitReader r = TarSplitReader.of(new ByteArrayInputStream(gz))) {
            while (r.next()) {
                out.add(r.entry());
            }
        }
        return out;
    }

    static TarSplitException damage(String json) {
        return assertThrows(TarSplitException.class, () -> readAll(gzip(json)));
    }

    /** A line as dockerd writes it (Go's encoding/json of storage.Entry). */
    private static final String DOCKERD_LINES = """
            {"type":2,"payload":"ZXRjLwAAAA==","position":0}
            {"type":1,"name":"etc/","payload":null,"position":1}
            {"type":2,"payload":"aGVhZGVy","position":2}
            {"type":1,"name":"etc/passwd","size":5,"payload":"AAAAAAAAAAE=","position":3}
            {"type":1,"name_raw":"Y2Fm6S50eHQ=","size":2,"payload":"AQIDBAUGBwg=","position":4}
            {"type":2,"payload":"AAAAAA==","position":5}
            """;

    static String manyLines(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("{\"type\":2,\"payload\":\"aGVhZGVy\",\"position\":").append(2 * i).append("}\n");
            sb.append("{\"type\":1,\"name\":\"f").append(i).append("\",\"size\":5,\"payload\":\"AAAAAAAAAAE=\",\"position\":")
                    .append(2 * i + 1).append("}\n");
        }
        return sb.toString();
    }

    @Test
    void readsDockerdEntries() throws Exception {
        List<TarSplitEntry> es = readAll(gzip(DOCKERD_LINES));
        assertEquals(6, es.size());
        TarSplitEntry seg = es.get(0);
        assertFalse(seg.isFile());
        assertArrayEquals("etc/\0\0\0".getBytes(StandardCharsets.ISO_8859_1), seg.payload());
        TarSplitEntry dir = es.get(1);
        assertTrue(dir.isFile());
        assertEquals(0, dir.size());
        assertEquals("etc/", dir.displayName());
        assertEquals(0, dir.payload().length);
        TarSplitEntry passwd = es.get(3);
        assertEquals("etc/passwd", passwd.displayName());
        assertEquals(5, passwd.size());
        assertEquals(1L, Crc64.fromBytes(passwd.payload()));
        assertEquals(3, passwd.position());
        TarSplitEntry raw = es.get(4);
        assertTrue(raw.nameRaw());
        assertArrayEquals("café.txt".getBytes(StandardCharsets.ISO_8859_1), raw.nameBytes());
        assertEquals("caf\\xe9.txt", raw.displayName());
    }

    @Test
    void writerOutputReadsBack() throws Exception {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        byte[] latin = "ü.bin".getBytes(StandardCharsets.ISO_8859_1);
        try (TarSplitWriter w = new TarSplitWriter(bo)) {
            w.segment(new byte[512]).file("a/b", "hello".getBytes(StandardCharsets.UTF_8)).file(latin, 3, 77)
                    .file("dir/".getBytes(StandardCharsets.UTF_8), 0, 0).segment(new byte[1024]);
        }
        List<TarSplitEntry> es = readAll(bo.toByteArray());
        assertEquals(5, es.size());
        assertEquals(512, es.get(0).payload().length);
        assertEquals(Crc64.checksum("hello".getBytes(StandardCharsets.UTF_8)), Crc64.fromBytes(es.get(1).payload()));
        assertArrayEquals(latin, es.get(2).nameBytes());
        assertTrue(es.get(2).nameRaw());
        assertEquals(77, Crc64.fromBytes(es.get(2).payload()));
        for (int i = 0; i < es.size(); i++) {
            assertEquals(i, es.get(i).position());
        }
    }

    @Test
    void goFieldMatchingIgnoresCaseAndUnknownFields() throws Exception {
        List<TarSplitEntry> es = readAll(gzip("{\"Type\":1,\"NAME\":\"x\",\"Size\":1,\"payload\":\"AAAAAAAAAAA=\","
                + "\"extra\":{\"a\":[1,2]},\"position\":0}\n"));
        assertEquals("x", es.get(0).displayName());
        assertEquals(1, es.get(0).size());
    }

    @Test
    void emptyStreamHasNoEntries() throws Exception {
        assertEquals(List.of(), readAll(gzip("")));
        assertEquals(List.of(), readAll(gzip("\n\n")));
    }

    @Test
    void truncatedGzipIsTyped() throws Exception {
        byte[] gz = gzip(manyLines(300));
        for (int cut : new int[] {gz.length - 1, gz.length - 8, gz.length / 2, 30, 11}) {
            TarSplitException e = assertThrows(TarSplitException.class, () -> readAll(Arrays.copyOf(gz, cut)));
            assertTrue(e.kind() == Kind.GZIP_TRUNCATED || e.kind() == Kind.JSON_TRUNCATED, cut + ": " + e.kind());
        }
    }

    @Test
    void concatenatedMembersAreOneStreamAsInGo() throws Exception {
        byte[] a = gzip("{\"type\":2,\"payload\":\"AA==\",\"position\":0}\n");
        byte[] b = gzip("{\"type\":1,\"name\":\"f\",\"position\":1}\n");
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        assertEquals(2, readAll(both).size());
    }

    @Test
    void bytesAfterTheGzipStreamAreDamageAsForGo() throws Exception {
        byte[] gz = gzip(DOCKERD_LINES);
        TarSplitException zeros = assertThrows(TarSplitException.class, () -> readAll(Arrays.copyOf(gz, gz.length + 512)));
        assertEquals(Kind.GZIP_CORRUPT, zeros.kind());
        byte[] junk = Arrays.copyOf(gz, gz.length + 3);
        junk[gz.length] = 0x1f;
        junk[gz.length + 1] = (byte) 0x8b; // the start of a second member, cut off
        assertEquals(Kind.GZIP_TRUNCATED, assertThrows(TarSplitException.class, () -> readAll(junk)).kind());
    }

    @Test
    void gzipHeaderFieldsAreSkipped() throws Exception {
        byte[] plain = gzip(DOCKERD_LINES);
        // FEXTRA + FNAME + FCOMMENT + FHCRC inserted after the 10-byte header
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        o.write(plain, 0, 3);
        o.write(4 | 8 | 16 | 2);
        o.write(plain, 4, 6);
        o.write(new byte[] {3, 0, 'x', 'y', 'z'});
        o.write("name.json\0comment\0".getBytes(StandardCharsets.ISO_8859_1));
        o.write(new byte[] {0, 0});
        o.write(plain, 10, plain.length - 10);
        assertEquals(6, readAll(o.toByteArray()).size());
    }

    @Test
    void badTrailerIsCorrupt() throws Exception {
        byte[] gz = gzip(DOCKERD_LINES);
        byte[] badCrc = gz.clone();
        badCrc[gz.length - 8] ^= 1;
        assertEquals(Kind.GZIP_CORRUPT, assertThrows(TarSplitException.class, () -> readAll(badCrc)).kind());
        byte[] badLen = gz.clone();
        badLen[gz.length - 4] ^= 1;
        assertEquals(Kind.GZIP_CORRUPT, assertThrows(TarSplitException.class, () -> readAll(badLen)).kind());
    }

    @Test
    void notGzipAndEmptyFileAreTyped() {
        assertEquals(Kind.NOT_GZIP, assertThrows(TarSplitException.class,
                () -> readAll("{\"type\":2}".getBytes(StandardCharsets.UTF_8))).kind());
        assertEquals(Kind.NOT_GZIP, assertThrows(TarSplitException.class, () -> readAll(new byte[0])).kind());
        assertEquals(Kind.NOT_GZIP, assertThrows(TarSplitException.class, () -> readAll(new byte[] {0x1f})).kind());
    }

    @Test
    void corruptDeflateDataIsTyped() throws Exception {
        byte[] gz = gzip(manyLines(100));
        byte[] bad = gz.clone();
        for (int i = 20; i < 60; i++) {
            bad[i] ^= 0x5a;
        }
        TarSplitException e = assertThrows(TarSplitException.class, () -> readAll(bad));
        assertTrue(Kind.GZIP_CORRUPT == e.kind() || Kind.JSON_MALFORMED == e.kind(), e.toString());
    }

    @Test
    void garbledJsonIsTypedWithEntryAndLine() {
        TarSplitException e = damage("{\"type\":2,\"payload\":\"AA==\",\"position\":0}\n{\"type\":2,,}\n");
        assertEquals(Kind.JSON_MALFORMED, e.kind());
        assertEquals(1, e.entryIndex());
        assertEquals(2, e.line());
        assertTrue(e.byteOffset() > 40, "offset " + e.byteOffset());
        assertEquals(Kind.JSON_MALFORMED, damage("[1,2]\n").kind());
        assertEquals(Kind.JSON_MALFORMED, damage("garbage\n").kind());
        assertEquals(Kind.JSON_TRUNCATED, damage("{\"type\":2,\"payload\":\"AA").kind());
    }

    @Test
    void wrongTypesAreTyped() {
        assertEquals(Kind.WRONG_TYPE, damage("{\"type\":\"1\",\"name\":\"a\"}").kind());
        assertEquals(Kind.WRONG_TYPE, damage("{\"type\":1,\"name\":\"a\",\"size\":\"12\"}").kind());
        assertEquals(Kind.WRONG_TYPE, damage("{\"type\":1,\"name\":\"a\",\"size\":1.5}").kind());
        assertEquals(Kind.WRONG_TYPE, damage("{\"type\":1,\"name\":7}").kind());
        assertEquals(Kind.WRONG_TYPE, damage("{\"type\":2,\"payload\":[1]}").kind());
        assertEquals(Kind.WRONG_TYPE, damage("{\"type\":1,\"name\":\"a\",\"size\":99999999999999999999}").kind());
    }

    @Test
    void semanticDamageIsTyped() {
        assertEquals(Kind.NEGATIVE_SIZE, damage("{\"type\":1,\"name\":\"a\",\"size\":-5,\"payload\":\"AAAAAAAAAAA=\"}").kind());
        assertEquals(Kind.BAD_ENTRY_TYPE, damage("{\"type\":3,\"payload\":null}").kind());
        assertEquals(Kind.BAD_ENTRY_TYPE, damage("{\"payload\":\"AA==\"}").kind());
        assertEquals(Kind.BAD_BASE64, damage("{\"type\":2,\"payload\":\"@@@not base64\"}").kind());
        assertEquals(Kind.BAD_BASE64, damage("{\"type\":1,\"name_raw\":\"%%\",\"size\":0}").kind());
        assertEquals(Kind.MISSING_NAME, damage("{\"type\":1,\"size\":1,\"payload\":\"AAAAAAAAAAA=\"}").kind());
        assertEquals(Kind.BAD_CHECKSUM, damage("{\"type\":1,\"name\":\"a\",\"size\":1,\"payload\":\"AAAA\"}").kind());
        assertEquals(Kind.BAD_CHECKSUM, damage("{\"type\":1,\"name\":\"a\",\"size\":1,\"payload\":null}").kind());
        TarSplitException dup = damage("{\"type\":1,\"name\":\"a/b\"}\n{\"type\":1,\"name\":\"./a//b\"}\n");
        assertEquals(Kind.DUPLICATE_NAME, dup.kind());
        assertEquals(1, dup.entryIndex());
    }

    @Test
    void readerStopsAfterDamage() throws Exception {
        try (TarSplitReader r = TarSplitReader.of(new ByteArrayInputStream(gzip("{\"type\":9}\n{\"type\":2}\n")))) {
            assertThrows(TarSplitException.class, r::next);
            assertFalse(r.next());
        }
    }

    @Test
    void openRefusesSymlinksAndMissingFiles(@TempDir Path dir) throws Exception {
        Path real = dir.resolve("real.gz");
        Files.write(real, gzip(DOCKERD_LINES));
        Path link = dir.resolve("link.gz");
        Files.createSymbolicLink(link, real);
        assertEquals(Kind.UNREADABLE, assertThrows(TarSplitException.class, () -> TarSplitReader.open(link)).kind());
        assertEquals(Kind.UNREADABLE, assertThrows(TarSplitException.class,
                () -> TarSplitReader.open(dir.resolve("none"))).kind());
        try (TarSplitReader r = TarSplitReader.open(real)) {
            int n = 0;
            while (r.next()) {
                n++;
            }
            assertEquals(6, n);
        }
    }

    // ---- properties: damage of any kind is a typed error, never another exception ----

    @Provide
    Arbitrary<byte[]> tarSplits() {
        Arbitrary<byte[]> names = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(40)
                .filter(b -> {
                    for (byte x : b) {
                        if (x == 0 || x == '/') {
                            return false;
                        }
                    }
                    return true;
                });
        Arbitrary<byte[]> segments = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(600);
        return Combinators.combine(names.list().uniqueElements(b -> new String(b, StandardCharsets.ISO_8859_1)).ofMaxSize(12),
                segments.list().ofMaxSize(12)).as((ns, ss) -> {
                    ByteArrayOutputStream bo = new ByteArrayOutputStream();
                    try (TarSplitWriter w = new TarSplitWriter(bo)) {
                        for (int i = 0; i < Math.max(ns.size(), ss.size()); i++) {
                            if (i < ss.size()) {
                                w.segment(ss.get(i));
                            }
                            if (i < ns.size()) {
                                w.file(ns.get(i), i, i * 31L);
                            }
                        }
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                    return bo.toByteArray();
                });
    }

    @Property(tries = 200)
    void anyTruncationIsATypedError(@ForAll("tarSplits") byte[] gz, @ForAll @IntRange(min = 0, max = 100_000) int at) {
        int cut = at % gz.length;
        TarSplitException e = assertThrows(TarSplitException.class, () -> readAll(Arrays.copyOf(gz, cut)));
        assertTrue(e.entryIndex() >= 0);
    }

    @Property(tries = 300)
    void anyByteFlipIsReadOrATypedError(@ForAll("tarSplits") byte[] gz, @ForAll @IntRange(min = 0, max = 100_000) int at,
                                        @ForAll @IntRange(min = 1, max = 255) int xor) {
        byte[] bad = gz.clone();
        bad[at % bad.length] ^= (byte) xor;
        try {
            readAll(bad);
        } catch (TarSplitException e) {
            assertTrue(e.getMessage().startsWith(e.kind().label()));
        } catch (IOException e) {
            throw new AssertionError("close failed", e);
        }
    }

    @Property(tries = 300)
    void garbledJsonIsReadOrATypedError(@ForAll("tarSplits") byte[] gz, @ForAll @IntRange(min = 0, max = 100_000) int at,
                                        @ForAll @IntRange(min = 1, max = 127) int xor) throws IOException {
        byte[] json;
        try (var in = new java.util.zip.GZIPInputStream(new ByteArrayInputStream(gz))) {
            json = in.readAllBytes();
        }
        if (json.length == 0) {
            return;
        }
        json[at % json.length] ^= (byte) xor;
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(bo)) {
            g.write(json);
        }
        try {
            readAll(bo.toByteArray());
        } catch (TarSplitException e) {
            assertTrue(e.entryIndex() >= 0);
        }
    }
}
