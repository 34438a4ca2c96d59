package dev.dockfsck.model.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dockfsck.model.Defect;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** {@link JsonTree} builds the tree ObjectMapper.readTree builds, fails where it fails, and writes a tree as the mapper writes it. */
class JsonTreeTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Property(tries = 300)
    void theSameTreeAsReadTreeForAnyDocumentAndAnyCutOrGarbledCopyOfIt(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        StringBuilder b = new StringBuilder();
        value(r, b, 0);
        if (r.nextInt(4) == 0) {
            b.append(r.nextBoolean() ? " trailing" : "} {\"more\":1}"); // readTree reads the first value only
        }
        byte[] doc = b.toString().getBytes(StandardCharsets.UTF_8);
        sameOutcome(doc);
        JsonNode tree;
        try {
            tree = MAPPER.readTree(doc);
        } catch (JsonProcessingException e) {
            tree = null; // e.g. a number run into what follows it: sameOutcome has compared the failure
        }
        if (tree != null && !tree.isMissingNode()) {
            assertEquals(new String(MAPPER.writeValueAsBytes(tree), StandardCharsets.UTF_8),
                    new String(JsonTree.bytes(tree), StandardCharsets.UTF_8), "written back as the mapper writes it");
        }
        sameOutcome(java.util.Arrays.copyOf(doc, r.nextInt(doc.length + 1))); // cut off, as a torn write leaves it
        byte[] garbled = doc.clone();
        String noise = "{}[]:,\"\\ x0-e.\u0000\u00ff";
        for (int i = 0; i < 1 + r.nextInt(3); i++) {
            garbled[r.nextInt(garbled.length)] = (byte) noise.charAt(r.nextInt(noise.length()));
        }
        sameOutcome(garbled);
    }

    @Test
    void numbersKeepReadTreesNodeTypes() throws Exception {
        for (String n : new String[] {"1", "-2147483648", "2147483648", "9223372036854775807", "9223372036854775808",
                "-99999999999999999999999", "1.5", "-0.0", "1e400", "1E-400", "0.1e1"}) {
            String doc = "{\"n\":" + n + ",\"a\":[" + n + "]}";
            JsonNode mine = JsonTree.parse(doc.getBytes(StandardCharsets.US_ASCII));
            assertEquals(MAPPER.readTree(doc), mine, doc);
            assertEquals(MAPPER.readTree(doc).get("n").getClass(), mine.get("n").getClass(), doc);
        }
    }

    @Test
    void duplicateKeysTheLastWinsInTheFirstPlace() throws Exception {
        String doc = "{\"a\":1,\"b\":{\"x\":1},\"a\":[2],\"b\":3}";
        JsonNode mine = JsonTree.parse(doc.getBytes(StandardCharsets.US_ASCII));
        assertEquals(MAPPER.readTree(doc), mine);
        assertEquals("[\"a\",\"b\"]", MAPPER.writeValueAsString(mine.properties().stream().map(java.util.Map.Entry::getKey).toList()));
    }

    @Test
    void noTokensIsNoTreeAndAHostileDepthIsAnErrorNotAStackOverflow() throws Exception {
        assertNull(JsonTree.parse(new byte[0]));
        assertNull(JsonTree.parse("  \n ".getBytes(StandardCharsets.US_ASCII)));
        byte[] deep = "[".repeat(200_000).getBytes(StandardCharsets.US_ASCII);
        Defect d = StoreFiles.parseJson(Path.of("deep.json"), deep).failure().orElseThrow();
        assertEquals(Defect.Kind.MALFORMED, d.kind(), d.describe());
        assertTrue(d.describe().contains("nesting depth"), d.describe());
    }

    /** Both parse to equal trees, or both fail with the same kind of error (cut off, or not JSON). */
    private static void sameOutcome(byte[] doc) {
        String shown = new String(doc, StandardCharsets.UTF_8);
        Object theirs;
        Object mine;
        try {
            JsonNode t = MAPPER.readTree(doc);
            theirs = t == null || t.isMissingNode() ? "no value" : t;
        } catch (IOException e) {
            theirs = kind(e);
        }
        try {
            JsonNode m = JsonTree.parse(doc);
            mine = m == null ? "no value" : m;
        } catch (IOException e) {
            mine = kind(e);
        }
        assertEquals(theirs, mine, shown);
    }

    private static String kind(IOException e) {
        if (e instanceof JsonEOFException) {
            return "cut off";
        }
        return e instanceof JsonProcessingException ? "not JSON" : "io: " + e;
    }

    private static void value(Random r, StringBuilder b, int depth) {
        int k = depth > 4 ? 2 + r.nextInt(6) : r.nextInt(8);
        switch (k) {
            case 0 -> {
                b.append('{');
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        b.append(',');
                    }
                    b.append(' ').append('"').append((char) ('a' + r.nextInt(4))).append("\" : "); // small key set: duplicates
                    value(r, b, depth + 1);
                }
                b.append('}');
            }
            case 1 -> {
                b.append('[');
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        b.append(", ");
                    }
                    value(r, b, depth + 1);
                }
                b.append(']');
            }
            case 2 -> b.append('"').append(new String[] {"", "sha256:ab", "caf\u00e9", "\\u00e9\\n\\t\\\"", "\ud83d\ude00", "/\\/x"}[r.nextInt(6)]).append('"');
            case 3 -> b.append(r.nextInt());
            case 4 -> b.append(r.nextBoolean() ? Long.toString(r.nextLong()) : "1" + "0".repeat(19 + r.nextInt(10)));
            case 5 -> b.append(new String[] {"1.5", "-0.0", "3e10", "1e400", "2.5E-3", "0.30000000000000004"}[r.nextInt(6)]);
            case 6 -> b.append(new String[] {"true", "false", "null"}[r.nextInt(3)]);
            default -> b.append(' ').append(r.nextInt(100)).append('\n');
        }
    }
}
