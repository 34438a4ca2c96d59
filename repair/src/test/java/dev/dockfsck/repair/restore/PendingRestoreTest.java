package dev.dockfsck.repair.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.model.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PendingRestoreTest {
    @TempDir
    Path state;

    static final Digest A = Digest.sha256Of(new byte[] {1});
    static final Digest B = Digest.sha256Of(new byte[] {2});

    @Test
    void missingFileIsAnEmptyList() throws IOException {
        assertEquals(List.of(), new PendingRestore(state).read());
        assertEquals(List.of(), new PendingRestore(state.resolve("not/there")).read());
    }

    @Test
    void readsTheDocumentedFormat() throws IOException {
        Files.writeString(state.resolve("pending-restore.json"), "{\"version\":1,\"images\":[{\"name\":\"hub.example.com/a/b:1234567\","
                + "\"imageId\":\"" + A + "\",\"tags\":[\"hub.example.com/a/b:1234567\",\"b:latest\"],\"app\":\"shop\",\"extra\":1}]}");
        List<PendingRestore.Entry> e = new PendingRestore(state).read();
        assertEquals(List.of(new PendingRestore.Entry("hub.example.com/a/b:1234567", A,
                List.of("hub.example.com/a/b:1234567", "b:latest"), "shop")), e);
    }

    @Test
    void writeIsAtomicAndRoundTrips() throws IOException {
        PendingRestore p = new PendingRestore(state);
        List<PendingRestore.Entry> l = List.of(new PendingRestore.Entry("x/a:1", A, List.of("x/a:1"), "app"),
                new PendingRestore.Entry("x/b:2", B, List.of(), ""));
        p.write(l);
        assertEquals(l, p.read());
        try (var s = Files.list(state)) {
            assertEquals(List.of("pending-restore.json"), s.map(x -> x.getFileName().toString()).toList(), "no temp file left");
        }
        assertTrue(Files.readString(p.file()).contains("\"version\" : 1"));
        assertEquals(List.of(l.get(1)), p.remove(List.of("x/a:1")));
        assertEquals(List.of(l.get(1)), p.read());
        p.add(List.of(new PendingRestore.Entry("x/b:2", A, List.of(), "z")));
        assertEquals(A, p.read().get(0).imageId());
        p.remove(List.of(A.toString()));
        assertFalse(Files.exists(p.file()), "an empty list removes the file");
    }

    @Test
    void malformedFilesAreClearErrors() throws IOException {
        PendingRestore p = new PendingRestore(state);
        Files.writeString(p.file(), "{\"version\":1,\"images\":[{\"name\":\"a:1\",\"imageId\":\"sha256:../x\"}]}");
        IOException e = assertThrows(IOException.class, p::read);
        assertTrue(e.getMessage().contains("is not a sha256 digest"), e.getMessage());
        Files.writeString(p.file(), "{\"version\":1,\"images\":[");
        assertTrue(assertThrows(IOException.class, p::read).getMessage().contains("not valid JSON"));
        Files.writeString(p.file(), "{\"version\":2,\"images\":[]}");
        assertTrue(assertThrows(IOException.class, p::read).getMessage().contains("unsupported version"));
    }
}
