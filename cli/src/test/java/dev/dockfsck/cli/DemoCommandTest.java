package dev.dockfsck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.Checker;
import dev.dockfsck.checker.ContentVerifier;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.TarSplitContentVerifier;
import dev.dockfsck.faults.DemoStore;
import dev.dockfsck.model.store.DataRootReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
    @TempDir
    Path tmp;

    @Test
    void theDemoStoreShowsEachDamageItAnnounces() throws Exception {
        Path root = tmp.resolve("root");
        List<DemoStore.Damage> damage = DemoStore.build(root);
        Report r = new Checker(new TarSplitContentVerifier(root)).check(DataRootReader.read(root),
                new Checker.Options(true, Optional.empty(), 2, ContentVerifier.Progress.NONE));
        for (DemoStore.Damage d : damage) {
            assertTrue(r.findings().stream().anyMatch(f -> f.code().name().equals(d.code())),
                    "the demo announces " + d.code() + " but the check does not find it");
        }
    }

    @Test
    void theDemoEndsWithACleanStoreAndLeavesTheVolumeAlone() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                .execute("demo", "--dir", tmp.toString());
        assertEquals(0, code, err.toString());
        Path notes = tmp.resolve("root/volumes/demo-data/_data/notes.txt");
        assertEquals("user data: never touched\n", Files.readString(notes));
        assertTrue(Files.exists(tmp.resolve("state/pending-restore.json")), "removed images are recorded");
        assertEquals(16, Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true))
                .execute("demo", "--dir", tmp.toString(), "--bogus"));
    }
}
