package dev.dockfsck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.fixtures.store.StoreIds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --report, --metrics, --verbose and --quiet on check, repair and preen. */
class OpsOutputTest {
    @TempDir
    Path tmp;
    Path root;
    Path out;
    StoreIds ids;

    @BeforeEach
    void store() throws Exception {
        root = tmp.resolve("root");
        out = tmp.resolve("out");
        StoreBuilder b = StoreBuilder.create(root, 11);
        b.load(SampleSet.images());
        b.createContainer(SampleSet.A, "app", "sh");
        ids = b.ids();
    }

    private void damageLink() throws Exception {
        Files.write(ids.overlayDir(ids.imageByTag(SampleSet.A).chainIds().get(0)).resolve("link"), new byte[0]);
    }

    static final Pattern SAMPLE = Pattern.compile("([a-z_]+)\\{([^}]*)\\} (-?[0-9]+(\\.[0-9]+)?)");

    /**
     * Parses a textfile-collector file strictly: HELP/TYPE comments, then samples of that family
     * only, each {@code name{labels} number}; no family twice. Returns "name{labels}" -> value.
     */
    static Map<String, Double> parseMetrics(Path file) throws Exception {
        Map<String, Double> out = new TreeMap<>();
        Set<String> families = new HashSet<>();
        String current = null;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("# HELP ")) {
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] w = line.split(" ");
                assertEquals(4, w.length, line);
                assertEquals("gauge", w[3], line);
                assertTrue(families.add(w[2]), "family twice: " + w[2]);
                current = w[2];
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not a sample line: " + line);
            assertEquals(current, m.group(1), "a sample outside its family: " + line);
            assertTrue(m.group(2).startsWith("command=\""), line);
            assertTrue(out.put(m.group(1) + "{" + m.group(2) + "}", Double.parseDouble(m.group(3))) == null, "twice: " + line);
        }
        return out;
    }

    private static void assertNoTempLeft(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> tmps = s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp-")).toList();
            assertEquals(List.of(), tmps);
        }
    }

    @Test
    void checkWritesTheSameJsonReportAndMetricsByCode() throws Exception {
        damageLink();
        Path report = out.resolve("report.json");
        Path metrics = out.resolve("dockfsck.prom");
        CheckCommandTest.Run r = CheckCommandTest.run("check", "--root", root.toString(), "--format", "json",
                "--report", report.toString(), "--metrics", metrics.toString());
        assertEquals(4, r.code(), r.err());
        assertEquals(r.out(), Files.readString(report, StandardCharsets.UTF_8), "the report file is the JSON report");
        JsonNode doc = new ObjectMapper().readTree(report.toFile());
        assertEquals("dockfsck.report/v1", doc.get("schema").asText());
        Map<String, Double> m = parseMetrics(metrics);
        assertEquals(1.0, m.get("dockfsck_findings{command=\"check\",code=\"OVERLAY_LINK_INVALID\",severity=\"error\",when=\"found\"}"),
                m.toString());
        assertEquals(4.0, m.get("dockfsck_exit_code{command=\"check\"}"));
        double success = m.get("dockfsck_last_success_timestamp_seconds{command=\"check\"}");
        assertTrue(Math.abs(success - System.currentTimeMillis() / 1000.0) < 60, "now: " + success);
        assertTrue(m.get("dockfsck_duration_seconds{command=\"check\"}") > 0);
        assertNoTempLeft(out);

        // a run that fails keeps the last success, says exit 8, and the report names the error
        CheckCommandTest.Run bad = CheckCommandTest.run("check", "--root", tmp.resolve("nothing").toString(),
                "--report", report.toString(), "--metrics", metrics.toString());
        assertEquals(8, bad.code());
        Map<String, Double> m2 = parseMetrics(metrics);
        assertEquals(8.0, m2.get("dockfsck_exit_code{command=\"check\"}"));
        assertEquals(success, m2.get("dockfsck_last_success_timestamp_seconds{command=\"check\"}"));
        JsonNode err = new ObjectMapper().readTree(report.toFile());
        assertEquals("dockfsck.error/v1", err.get("schema").asText());
        assertEquals(8, err.get("exit_code").asInt());
        assertNoTempLeft(out);
    }

    @Test
    void repairMetricsCountWhatWasDoneAndWhatIsLeft() throws Exception {
        damageLink();
        Path metrics = out.resolve("repair.prom");
        Path report = out.resolve("repair.json");
        CheckCommandTest.Run r = CheckCommandTest.run("repair", "--root", root.toString(), "--state-dir",
                tmp.resolve("state").toString(), "--metrics", metrics.toString(), "--report", report.toString());
        assertEquals(1, r.code(), r.out());
        Map<String, Double> m = parseMetrics(metrics);
        assertEquals(1.0, m.get("dockfsck_repair_actions{command=\"repair\",outcome=\"done\",type=\"write-file\"}"), m.toString());
        assertEquals(1.0, m.get("dockfsck_exit_code{command=\"repair\"}"));
        assertTrue(m.containsKey("dockfsck_bytes_reclaimed{command=\"repair\"}"));
        assertFalse(m.keySet().stream().anyMatch(k -> k.contains("when=\"left\"") && k.startsWith("dockfsck_findings")),
                "nothing is left: " + m);
        JsonNode doc = new ObjectMapper().readTree(report.toFile());
        assertEquals("dockfsck.repair/v1", doc.get("schema").asText());
        assertEquals(1, doc.get("exit_code").asInt());
    }

    @Test
    void preenMetricsCountTheDeferredRemovals() throws Exception {
        damageLink();
        Files.write(ids.layerDbDir(ids.imageByTag(SampleSet.B).topChainId()).resolve("cache-id"), new byte[0]);
        Path metrics = out.resolve("preen.prom");
        CheckCommandTest.Run r = CheckCommandTest.run("repair", "--preen", "--root", root.toString(), "--state-dir",
                tmp.resolve("state").toString(), "--metrics", metrics.toString());
        assertEquals(4, r.code(), r.out());
        Map<String, Double> m = parseMetrics(metrics);
        assertEquals(1.0, m.get("dockfsck_repair_actions{command=\"preen\",outcome=\"deferred\",type=\"remove-layer\"}"),
                m.toString());
        assertEquals(1.0, m.get("dockfsck_repair_actions{command=\"preen\",outcome=\"done\",type=\"write-file\"}"));
        assertEquals(1.0, m.get("dockfsck_findings{command=\"preen\",code=\"LAYER_FILE_INVALID\",severity=\"error\",when=\"left\"}"));
    }

    @Test
    void quietSaysOneLineAndVerboseShowsTheEvidence() throws Exception {
        damageLink();
        CheckCommandTest.Run q = CheckCommandTest.run("check", "--root", root.toString(), "--quiet");
        assertEquals(4, q.code());
        assertEquals(1, q.out().lines().count(), q.out());
        assertTrue(q.out().contains("NOT CLEAN, 1 error(s)"), q.out());
        CheckCommandTest.Run v = CheckCommandTest.run("check", "--root", root.toString(), "--verbose");
        assertTrue(v.out().contains("evidence:"), v.out());
        assertTrue(v.out().length() > CheckCommandTest.run("check", "--root", root.toString()).out().length());
        CheckCommandTest.Run both = CheckCommandTest.run("check", "--root", root.toString(), "-q", "-v");
        assertEquals(16, both.code());
        CheckCommandTest.Run pq = CheckCommandTest.run("repair", "--preen", "-q", "--root", root.toString(), "--state-dir",
                tmp.resolve("state").toString());
        assertEquals(1, pq.code());
        assertEquals(List.of("dockfsck: " + root + ": preen: errors corrected, now clean; exit 1"), pq.out().lines().toList());
    }
}
