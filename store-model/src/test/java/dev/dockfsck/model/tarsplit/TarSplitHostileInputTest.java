package dev.dockfsck.model.tarsplit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packer and the assembler on input no healthy layer has: a clear exception, never a crash. */
class TarSplitHostileInputTest {
    private static byte[] tar(LayerTars.Entry... entries) {
        return LayerTars.HandTar.write(List.of(entries), false, 0, new Random(1));
    }

    private static LayerTars.Entry file(String name, String content) {
        return new LayerTars.Entry(LayerTars.Kind.FILE, name.getBytes(StandardCharsets.UTF_8), new byte[0],
                content.getBytes(StandardCharsets.UTF_8), Map.of(), 0, 0, 0644);
    }

    private static LayerTars.Entry hardLink(String name, String target) {
        return new LayerTars.Entry(LayerTars.Kind.HARDLINK, name.getBytes(StandardCharsets.UTF_8),
                target.getBytes(StandardCharsets.UTF_8), new byte[0], Map.of(), 0, 0, 0644);
    }

    private static LayerTarException refused(byte[] tar) {
        return assertThrows(LayerTarException.class,
                () -> TarSplitPacker.pack(new ByteArrayInputStream(tar), new ByteArrayOutputStream()));
    }

    @Test
    void aTarCutInsideAFileIsRefused() {
        byte[] whole = tar(file("a", "x".repeat(2000)));
        LayerTarException e = refused(java.util.Arrays.copyOf(whole, 512 + 700));
        assertTrue(e.getMessage().contains("entry 0") && e.getMessage().contains("cut off"), e.getMessage());
    }

    @Test
    void garbageIsRefused() {
        byte[] junk = new byte[4096];
        new Random(7).nextBytes(junk);
        assertTrue(refused(junk).getMessage().contains("invalid tar header"));
    }

    @Test
    void dotDotInANameIsRefusedBeforeTheHandlerSeesIt() {
        byte[] t = tar(file("ok", "1"), file("a/../../etc/passwd", "root::0:0"));
        List<String> seen = new java.util.ArrayList<>();
        LayerTarException e = assertThrows(LayerTarException.class, () -> TarSplitPacker.pack(new ByteArrayInputStream(t),
                new ByteArrayOutputStream(), (h, c) -> seen.add(h.displayName())));
        assertTrue(e.getMessage().contains("entry 1 (after \"ok\")") && e.getMessage().contains("'..'"), e.getMessage());
        assertEquals(List.of("ok"), seen);
    }

    @Test
    void dotDotInAHardLinkTargetIsRefused() {
        assertTrue(refused(tar(hardLink("l", "../../etc/shadow"))).getMessage().contains("hard link"));
    }

    @Test
    void duplicatePathsAfterCleanAreRefused() {
        assertTrue(refused(tar(file("a/b", "1"), file("./a//b", "2"))).getMessage()
                .contains("duplicates of file paths not supported"));
    }

    @Test
    void anEmptyNameIsRefused() {
        assertTrue(refused(tar(file("", "1"))).getMessage().contains("without a name"));
    }

    @Test
    void aBadPaxRecordIsRefused() {
        byte[] t = tar(new LayerTars.Entry(LayerTars.Kind.FILE, "f".getBytes(StandardCharsets.US_ASCII), new byte[0],
                new byte[0], Map.of("user.a", "b"), 0, 0, 0644));
        // garble the record's length digits ("NN SCHILY...") in the PAX data block
        t[512] = 'z';
        assertTrue(refused(t).getMessage().contains("invalid PAX record"));
    }

    @Test
    void handlerExceptionsPassThroughUnwrapped() {
        byte[] t = tar(file("a", "1"));
        IOException mine = new IOException("disk full");
        IOException e = assertThrows(IOException.class, () -> TarSplitPacker.pack(new ByteArrayInputStream(t),
                new ByteArrayOutputStream(), (h, c) -> {
                    throw mine;
                }));
        assertEquals(mine, e);
    }

    // ---- the assembler

    private static byte[] packed(byte[] tar) throws IOException {
        return TarSplitPacker.pack(tar);
    }

    private static ContentMismatchException mismatch(byte[] gz, TarSplitAssembler.ContentSource src) {
        return assertThrows(ContentMismatchException.class,
                () -> TarSplitAssembler.digest(TarSplitReader.of(new ByteArrayInputStream(gz)), src));
    }

    @Test
    void assemblerNamesAMissingShortLongOrChangedFile() throws IOException {
        byte[] gz = packed(tar(file("d/a", "hello")));
        assertEquals(ContentMismatchException.Problem.MISSING, mismatch(gz, (n, s) -> null).problem());
        assertEquals(ContentMismatchException.Problem.SIZE,
                mismatch(gz, (n, s) -> new ByteArrayInputStream("hell".getBytes(StandardCharsets.US_ASCII))).problem());
        assertEquals(ContentMismatchException.Problem.SIZE,
                mismatch(gz, (n, s) -> new ByteArrayInputStream("hello!".getBytes(StandardCharsets.US_ASCII))).problem());
        ContentMismatchException e = mismatch(gz, (n, s) -> new ByteArrayInputStream("jello".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(ContentMismatchException.Problem.CHECKSUM, e.problem());
        assertEquals("d/a", e.displayName());
        assertTrue(e.getMessage().startsWith("file integrity checksum failed for \"d/a\""), e.getMessage());
    }

    @Test
    void diffDirSourceReadsBelowDiffAndNeverThroughALink(@TempDir Path tmp) throws Exception {
        byte[] layer = tar(file("d/a", "hello"), file("b", "outside?"));
        byte[] gz = packed(layer);
        Path diff = Files.createDirectories(tmp.resolve("diff"));
        Files.createDirectories(diff.resolve("d"));
        Files.writeString(diff.resolve("d/a"), "hello");
        Files.writeString(diff.resolve("b"), "outside?");
        TarSplitAssembler.Result r = TarSplitAssembler.digest(TarSplitReader.of(new ByteArrayInputStream(gz)),
                TarSplitAssembler.ContentSource.diffDir(diff));
        assertEquals(dev.dockfsck.model.Digest.sha256Of(layer), r.sha256());

        // the same bytes behind a symlink are not read
        Files.writeString(tmp.resolve("real-b"), "outside?");
        Files.delete(diff.resolve("b"));
        Files.createSymbolicLink(diff.resolve("b"), tmp.resolve("real-b"));
        assertEquals(ContentMismatchException.Problem.MISSING,
                mismatch(gz, TarSplitAssembler.ContentSource.diffDir(diff)).problem());

        TarSplitAssembler.ContentSource src = TarSplitAssembler.ContentSource.diffDir(diff);
        assertNull(src.open("../real-b".getBytes(StandardCharsets.US_ASCII), 8));
        assertNull(src.open(tmp.resolve("real-b").toString().getBytes(StandardCharsets.UTF_8), 8));
        assertNull(src.open("d".getBytes(StandardCharsets.US_ASCII), 0));
        assertNull(src.open("d/a/x".getBytes(StandardCharsets.US_ASCII), 0));
    }
}
