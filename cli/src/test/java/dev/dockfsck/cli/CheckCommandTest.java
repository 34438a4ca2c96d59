package dev.dockfsck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.fixtures.store.StoreIds;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The check command's contract: exit codes as e2fsck, JSON for machines, clear errors. */
class CheckCommandTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    /** Runs the CLI in-process, capturing what the commands print to stdout and stderr. */
    static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        StringWriter cliOut = new StringWriter();
        StringWriter cliErr = new StringWriter();
        try {
            Output.redirect(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.commandLine(new PrintWriter(cliOut, true), new PrintWriter(cliErr, true)).execute(args);
            return new Run(code, cliOut + out.toString(StandardCharsets.UTF_8), cliErr + err.toString(StandardCharsets.UTF_8));
        } finally {
            Output.redirect(null, null);
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private StoreIds store(Path root) throws Exception {
        StoreBuilder b = StoreBuilder.create(root, 11);
        b.load(SampleSet.images());
        b.createContainer(SampleSet.A, "app", "sh");
        return b.ids();
    }

    @Test
    void aHealthyStoreExitsZeroAndSaysClean() throws Exception {
        Path root = tmp.resolve("root");
        store(root);
        Run r = run("check", "--root", root.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("clean"), r.out());
        Run deep = run("check", "--deep", "--jobs", "1", "--root", root.toString());
        assertEquals(0, deep.code(), deep.out() + deep.err());
        // one closing line on stderr with what was verified and how fast
        assertTrue(deep.err().lines().anyMatch(l -> l.matches(
                "deep: \\d+ layers, .+ of content verified in [0-9.]+ s \\(\\d+ MB/s, 1 job\\)")), deep.err());
        assertFalse(r.err().contains("deep:"), "a shallow check verifies no content: " + r.err());
    }

    @Test
    void damageExitsFourAndTheJsonNamesItWithItsAffects() throws Exception {
        Path root = tmp.resolve("root");
        StoreIds ids = store(root);
        var b = ids.imageByTag(SampleSet.B);
        Files.write(ids.layerDbDir(b.topChainId()).resolve("cache-id"), new byte[0]);
        Run r = run("check", "--root", root.toString(), "--format", "json");
        assertEquals(4, r.code(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals("dockfsck.report/v1", doc.get("schema").asText());
        assertFalse(doc.get("clean").asBoolean());
        JsonNode f = null;
        for (JsonNode n : doc.get("findings")) {
            if (n.get("code").asText().equals("LAYER_FILE_INVALID")) {
                f = n;
            }
        }
        assertTrue(f != null, r.out());
        assertEquals("layer", f.get("subject").get("kind").asText());
        assertEquals(b.topChainId().toString(), f.get("subject").get("id").asText());
        assertEquals(1, f.get("affects").size());
        assertEquals(b.imageId().toString(), f.get("affects").get(0).get("id").asText());
        assertEquals(1, doc.get("summary").get("images").get("damaged").asInt());
    }

    @Test
    void operationalErrorsExitEightWithOneClearLine() throws Exception {
        Run missing = run("check", "--root", tmp.resolve("nope").toString());
        assertEquals(8, missing.code());
        assertTrue(missing.err().contains("no such directory"), missing.err());
        assertFalse(missing.err().contains("Exception"), missing.err());
        Files.createDirectories(tmp.resolve("home"));
        Run notDocker = run("check", "--root", tmp.resolve("home").toString());
        assertEquals(8, notDocker.code());
        assertTrue(notDocker.err().contains("not a Docker data root"), notDocker.err());
    }

    @Test
    void usageErrorsExitSixteenAndHelpAndVersionWorkEverywhere() {
        assertEquals(16, run("check", "--bogus").code());
        assertEquals(16, run("check", "--format", "xml").code());
        assertEquals(16, run("check", "--jobs", "0", "--root", tmp.toString()).code());
        assertEquals(16, run("check", "--layer", "sha256:../../etc").code());
        assertEquals(16, run().code());
        for (String cmd : new String[] {"check", "repair", "demo"}) {
            Run help = run(cmd, "--help");
            assertEquals(0, help.code(), cmd);
            assertTrue(help.out().contains("Usage: dockfsck " + cmd), help.out());
            assertEquals(0, run(cmd, "--version").code(), cmd);
        }
        assertTrue(run("--version").out().contains("dockfsck"));
    }

    @Test
    void aDamagedAppStoreIsAFindingAndRepairStillRepairsTheEngineAWrongPathIsAnError() throws Exception {
        Path root = tmp.resolve("root");
        StoreIds ids = store(root);
        // a reset-apps store whose apps/ was lost: there, but nothing can be restored from it
        Path apps = tmp.resolve("reset-apps");
        Files.createDirectories(apps.resolve("blobs/sha256"));
        Run r = run("check", "--root", root.toString(), "--app-store", apps.toString(), "--format", "json");
        assertEquals(4, r.code(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals("APPSTORE_UNREADABLE", doc.get("findings").get(0).get("code").asText(), r.out());

        // repair mends the engine all the same, and says it does so without the store
        var b = ids.imageByTag(SampleSet.B);
        Path cacheId = ids.layerDbDir(b.topChainId()).resolve("cache-id");
        Files.write(cacheId, new byte[0]);
        Run repair = run("repair", "--root", root.toString(), "--app-store", apps.toString(),
                "--state-dir", tmp.resolve("state").toString());
        assertEquals(1, repair.code(), repair.out() + repair.err());
        assertEquals(0, run("check", "--root", root.toString()).code(), "the engine is mended: " + repair.out());
        assertTrue(repair.err().contains("app store " + apps + " cannot be used"), repair.err());

        // nothing at the path: the operator named the wrong one
        Run wrong = run("check", "--root", root.toString(), "--app-store", tmp.resolve("no-such").toString());
        assertEquals(8, wrong.code(), wrong.out());
        assertTrue(wrong.err().contains("no-such"), wrong.err());
    }
}
