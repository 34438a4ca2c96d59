package dev.dockfsck.faults.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dockfsck.faults.catalogue.Catalogue;
import dev.dockfsck.faults.catalogue.Fault;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FaultsCommandTest {
    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new FaultsCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // as dockfsck's Main: a usage error is exit 16, its message on stderr
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("dockfsck: " + ex.getMessage());
            return FaultsCommand.USAGE;
        });
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @AfterEach
    void realLiveCheck() {
        FaultsCommand.liveCheck = dev.dockfsck.repair.live.LiveEngine::find;
    }

    Path store() throws Exception {
        Path root = tmp.resolve("root");
        try (StoreBuilder b = StoreBuilder.create(root, new Random(5), StoreBuilder.inProcessSpecials(root))) {
            b.load(SampleSet.images());
        }
        return root;
    }

    @Test
    void listGivesTheWholeCatalogueInTextAndJson() throws Exception {
        Run text = run("list");
        assertEquals(0, text.exit());
        for (Fault f : Catalogue.all()) {
            assertTrue(text.out().contains(f.id()), f.id());
        }
        Run json = run("list", "--format", "json");
        assertEquals(0, json.exit(), json.err());
        JsonNode a = new ObjectMapper().readTree(json.out());
        List<String> ids = new ArrayList<>();
        a.forEach(n -> ids.add(n.get("id").asText()));
        assertEquals(Catalogue.all().stream().map(Fault::id).toList(), ids);
        JsonNode first = a.get(0);
        assertEquals(Catalogue.all().get(0).mutation().id(), first.get("mutation").asText());
        assertEquals(Catalogue.all().get(0).targetClass().id(), first.get("targetClass").asText());
    }

    @Test
    void applyChangesTheStoreAsItPrintsAndTheSeedDecides() throws Exception {
        Path root = store();
        Path repos = root.resolve("image/overlay2/repositories.json");
        long size = Files.size(repos);
        Run r = run("apply", "--root", root.toString(), "--fault", "repositories.empty", "--seed", "3");
        assertEquals(0, r.exit(), r.err());
        assertEquals(0, Files.size(repos));
        assertTrue(r.out().contains("image/overlay2/repositories.json: emptied (was " + size + " bytes)"), r.out());

        Run j = run("apply", "--root", root.toString(), "--fault", "layerdb-file.garble", "--seed", "11", "--format", "json");
        assertEquals(0, j.exit(), j.err());
        JsonNode o = new ObjectMapper().readTree(j.out());
        assertEquals("layerdb-file.garble", o.get("fault").asText());
        assertTrue(o.get("changes").get(0).get("what").asText().contains("garbled"), j.out());
        String target = o.get("target").asText();
        assertTrue(target.startsWith("image/overlay2/layerdb/"), target);

        // same seed, same store: same target
        Path again = tmp.resolve("again");
        dev.dockfsck.fixtures.dockerd.GoldenStore.copy(root, again);
        Path twin = tmp.resolve("twin");
        dev.dockfsck.fixtures.dockerd.GoldenStore.copy(root, twin);
        run("apply", "--root", again.toString(), "--fault", "overlay2-symlink.dangling-symlink", "--seed", "9");
        run("apply", "--root", twin.toString(), "--fault", "overlay2-symlink.dangling-symlink", "--seed", "9");
        assertEquals(TreeSnapshot.of(again, false), TreeSnapshot.of(twin, false));
    }

    @Test
    void applyRefusesALiveRootAnUnknownFaultAndATargetOutsideTheRoot() throws Exception {
        Path root = store();
        TreeSnapshot before = TreeSnapshot.of(root, false);
        FaultsCommand.liveCheck = p -> Optional.of("dockerd (pid 4242) is running on " + p);
        Run live = run("apply", "--root", root.toString(), "--fault", "repositories.empty");
        assertEquals(8, live.exit());
        assertTrue(live.err().contains("refused: dockerd (pid 4242)"), live.err());
        realLiveCheck();

        Run unknown = run("apply", "--root", root.toString(), "--fault", "no.such");
        assertEquals(16, unknown.exit());
        assertTrue(unknown.err().contains("no fault no.such in the catalogue"), unknown.err());
        Run out = run("apply", "--root", root.toString(), "--fault", "repositories.empty", "--target", "../x");
        assertEquals(8, out.exit());
        assertTrue(out.err().contains("refused"), out.err());
        Run wrong = run("apply", "--root", root.toString(), "--fault", "repositories.empty", "--target", "containers");
        assertEquals(8, wrong.exit());
        assertTrue(wrong.err().contains("not a target of repositories.empty"), wrong.err());
        assertEquals(before, TreeSnapshot.of(root, false));
    }

    @Test
    void aCampaignWithBadInputIsAUsageErrorNamingItAndWritesNothing() throws Exception {
        Path missing = tmp.resolve("no-such.tar");
        Run r = run("campaign", "--image", missing.toString(), "--work", tmp.resolve("w").toString());
        assertEquals(FaultsCommand.USAGE, r.exit(), r.err());
        assertTrue(r.err().contains(missing.toString()) && r.err().contains("no such file"), r.err());
        Files.writeString(tmp.resolve("a.tar"), "x");
        r = run("campaign", "--image", tmp.resolve("a.tar").toString(), "--op", "build");
        assertEquals(FaultsCommand.USAGE, r.exit(), r.err());
        assertTrue(r.err().contains("load, pull, run, rm, rmi") && r.err().contains("build"), r.err());
        r = run("campaign", "--recording", tmp.toString());
        assertEquals(FaultsCommand.USAGE, r.exit(), r.err());
        assertTrue(r.err().contains(tmp + ": not a recording"), r.err());
        r = run("campaign", "--image", tmp.resolve("a.tar").toString(), "--kills", "-1");
        assertEquals(FaultsCommand.USAGE, r.exit(), r.err());
        assertTrue(!r.err().contains("Exception"), r.err());
        assertTrue(!Files.exists(tmp.resolve("w")), "nothing written");
    }
}
