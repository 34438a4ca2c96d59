package dev.dockfsck.model.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.model.Defect;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.SortedMaps;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one-channel read of a store file, the kind-known variants, and the model's sorted maps. */
class StoreFilesReadTest {
    @TempDir
    Path dir;

    @Test
    void readsWholeFilesOfAnySizeUpToTheLimit() throws Exception {
        int first = StoreFiles.FIRST_READ;
        // around the first buffer's size (it grows to the size fstat gives, then doubles) and far past it
        for (int size : new int[] {1, first - 1, first, first + 1, 2 * first, 2 * first + 1, 8192, 50_000}) {
            byte[] big = new byte[size];
            new Random(size).nextBytes(big);
            Path p = Files.write(dir.resolve("big" + size), big);
            assertArrayEquals(big, StoreFiles.readBytes(p, 1 << 20).optional().orElseThrow(), size + " bytes");
            assertArrayEquals(big, StoreFiles.readBytes(p, big.length).optional().orElseThrow(), size + " bytes, exactly the limit");
            assertEquals(Defect.Kind.TOO_LARGE, StoreFiles.readBytes(p, big.length - 1).failure().orElseThrow().kind(), size + " bytes");
        }
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        assertEquals(0, StoreFiles.readBytes(empty, 10).optional().orElseThrow().length);
    }

    @Test
    void theKindGivenDecidesWithoutAnotherLook() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        Path link = Files.createSymbolicLink(dir.resolve("link"), f);
        assertEquals(Defect.Kind.SYMLINK, StoreFiles.readBytes(link, FileKind.SYMLINK, 10).failure().orElseThrow().kind());
        assertEquals(Defect.Kind.SYMLINK, StoreFiles.readBytes(link, 10).failure().orElseThrow().kind());
        assertEquals(Defect.Kind.WRONG_TYPE, StoreFiles.readBytes(dir, FileKind.DIRECTORY, 10).failure().orElseThrow().kind());
        assertEquals(Defect.Kind.MISSING, StoreFiles.readBytes(dir.resolve("nope"), FileKind.MISSING, 10).failure().orElseThrow().kind());
        // a kind from a listing that is stale by now: the read itself still never follows a link
        assertEquals(Defect.Kind.UNREADABLE, StoreFiles.readBytes(link, FileKind.REGULAR, 10).failure().orElseThrow().kind());
        assertEquals(Defect.Kind.MISSING, StoreFiles.readBytes(dir.resolve("gone"), FileKind.REGULAR, 10).failure().orElseThrow().kind());
    }

    @Test
    void textIsStrictUtf8WithOrWithoutTheAsciiShortCut() throws Exception {
        assertEquals("27772", StoreFiles.readExact(Files.writeString(dir.resolve("size"), "27772")).optional().orElseThrow());
        assertEquals("caf\u00e9", StoreFiles.readLine(Files.write(dir.resolve("u"), "caf\u00e9\n".getBytes(StandardCharsets.UTF_8)))
                .optional().orElseThrow());
        Path bad = Files.write(dir.resolve("bad"), new byte[] {'a', (byte) 0xc3});
        assertEquals(Defect.Kind.MALFORMED, StoreFiles.readLine(bad).failure().orElseThrow().kind());
        assertEquals(Defect.Kind.EMPTY, StoreFiles.readLine(Files.writeString(dir.resolve("blank"), " \n"), FileKind.REGULAR)
                .failure().orElseThrow().kind());
    }

    @Test
    void aListingOfAKnownDirectory() throws Exception {
        Files.writeString(dir.resolve("b"), "");
        Files.createDirectory(dir.resolve("a"));
        List<DirEntry> l = StoreFiles.list(dir, FileKind.DIRECTORY).optional().orElseThrow();
        assertEquals(List.of("a", "b"), l.stream().map(DirEntry::name).toList());
        assertEquals(List.of(FileKind.DIRECTORY, FileKind.REGULAR), l.stream().map(DirEntry::kind).toList());
        assertEquals(Defect.Kind.SYMLINK, StoreFiles.list(dir, FileKind.SYMLINK).failure().orElseThrow().kind());
    }

    @Test
    void theModelsMapsIterateInKeyOrder() {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            m.put(Integer.toHexString(i * 7919), i);
        }
        Map<String, Integer> sorted = SortedMaps.sortedCopy(m);
        assertEquals(new java.util.TreeMap<>(m).keySet().stream().toList(), sorted.keySet().stream().toList());
        assertEquals(m, sorted);
        assertEquals(m.get("0"), sorted.get("0"));
        assertEquals(Map.of(), SortedMaps.sortedCopy(Map.<String, Integer>of()));
    }

    @Test
    void everySha256IsItsOwn() {
        var a = Digest.newSha256();
        var b = Digest.newSha256();
        assertNotSame(a, b);
        a.update((byte) 1);
        assertEquals(Digest.sha256Of(new byte[0]), Digest.ofRawSha256(b.digest()));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Digest.sha256Of(new byte[0]).hex());
    }
}
