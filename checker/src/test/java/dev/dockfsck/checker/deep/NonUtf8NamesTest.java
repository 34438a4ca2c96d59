package dev.dockfsck.checker.deep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.tarsplit.TarSplitWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File names that are not UTF-8 (tar-split's name_raw) and non-ASCII names, verified in JVMs
 * started under the C/unset locale (file names as ASCII) and C.UTF-8, with and without the
 * --add-opens flag that gives exact byte paths. Files are made with the shell, which handles
 * bytes; Java could not create some of them.
 */
class NonUtf8NamesTest {
    static final byte[] LATIN1 = "café.txt".getBytes(StandardCharsets.ISO_8859_1);          // caf\xe9.txt
    static final byte[] DECOY = "caf\uFFFD.txt".getBytes(StandardCharsets.UTF_8);            // caf\xef\xbf\xbd.txt
    static final byte[] UTF8 = "utf8-é.txt".getBytes(StandardCharsets.UTF_8);
    static final byte[] RAW_DIR = {'d', (byte) 0xff};
    static final byte[] IN_RAW_DIR = concat(RAW_DIR, "/inner".getBytes(StandardCharsets.US_ASCII));
    static final byte[] TWIN_A = {'x', (byte) 0xe9};
    static final byte[] TWIN_B = {'x', (byte) 0xe8};

    @TempDir
    Path tmp;

    static byte[] concat(byte[] a, byte[] b) {
        byte[] o = new byte[a.length + b.length];
        System.arraycopy(a, 0, o, 0, a.length);
        System.arraycopy(b, 0, o, a.length, b.length);
        return o;
    }

    /** Creates diff/&lt;name bytes&gt; with content through sh's printf %b (octal escapes). */
    static void shellWrite(Path diff, byte[] name, byte[] content, boolean dir) throws Exception {
        StringBuilder esc = new StringBuilder();
        for (byte x : name) {
            esc.append(String.format("\\0%03o", x & 0xff));
        }
        String script = dir ? "cd \"$1\" && mkdir \"$(printf '%b' \"$2\")\""
                : "cd \"$1\" && cat > \"$(printf '%b' \"$2\")\"";
        Process p = new ProcessBuilder("sh", "-c", script, "sh", diff.toString(), esc.toString()).start();
        try (OutputStream os = p.getOutputStream()) {
            if (!dir) {
                os.write(content);
            }
        }
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    record Layer(Path diff, Path tarSplit, Digest diffId) {
    }

    /** A layer with the given files (dirs when content is null), as dockerd would leave it. */
    Layer layer(String name, List<Map.Entry<byte[], byte[]>> files) throws Exception {
        Path root = tmp.resolve(name);
        Path diff = root.resolve("diff");
        Files.createDirectories(diff);
        TestLayer t = new TestLayer();
        for (Map.Entry<byte[], byte[]> f : files) {
            if (f.getValue() == null) {
                t.entries().add(new TestLayer.Entry(concat(f.getKey(), new byte[] {'/'}), '5', new byte[0], ""));
                shellWrite(diff, f.getKey(), null, true);
            } else {
                t.file(f.getKey(), f.getValue());
                shellWrite(diff, f.getKey(), f.getValue(), false);
            }
        }
        Path ts = root.resolve("tar-split.json.gz");
        byte[] tar;
        try (OutputStream os = Files.newOutputStream(ts); TarSplitWriter w = new TarSplitWriter(os)) {
            tar = t.writeTar(w);
        }
        return new Layer(diff, ts, Digest.sha256Of(tar));
    }

    static List<String> run(Layer l, boolean utf8Locale, boolean addOpens) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (addOpens) {
            // the launcher's full set: exact paths and libcrypto's SHA-256
            cmd.addAll(List.of("--add-opens=java.base/sun.nio.fs=ALL-UNNAMED", "--add-modules=jdk.incubator.foreign",
                    "--enable-native-access=ALL-UNNAMED"));
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(VerifyMain.class.getName());
        cmd.add(l.diff().toString());
        cmd.add(l.tarSplit().toString());
        cmd.add(l.diffId().toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_") || k.equals("LANGUAGE"));
        if (utf8Locale) {
            env.put("LC_ALL", "C.UTF-8");
        }
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        return text.lines().toList();
    }

    static final boolean[][] MODES = {{false, false}, {false, true}, {true, false}, {true, true}};

    List<Map.Entry<byte[], byte[]>> mixed(byte[] latin1Content) {
        return List.of(
                Map.entry(LATIN1, latin1Content),
                Map.entry(DECOY, "decoy, another file".getBytes(StandardCharsets.UTF_8)),
                Map.entry(UTF8, "utf8 name".getBytes(StandardCharsets.UTF_8)),
                new java.util.AbstractMap.SimpleEntry<>(RAW_DIR, (byte[]) null),
                Map.entry(IN_RAW_DIR, "in a dir whose name is not UTF-8".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void nonUtf8AndUtf8NamesVerifyInEveryLocaleAndMode() throws Exception {
        Layer l = layer("clean", mixed("latin-1 named file".getBytes(StandardCharsets.UTF_8)));
        for (boolean[] m : MODES) {
            List<String> out = run(l, m[0], m[1]);
            assertTrue(out.contains("exact=" + m[1]), out.toString());
            assertTrue(out.contains("sha256=" + (m[1] ? "libcrypto" : "jdk")), out.toString());
            assertTrue(out.contains(m[0] ? "jnu=UTF-8" : "jnu=US-ASCII"), out.toString());
            assertTrue(out.contains("outcome=VERIFIED"), "utf8Locale=" + m[0] + " addOpens=" + m[1] + ": " + out);
        }
    }

    @Test
    void damageToANonUtf8NamedFileIsNamedInEveryLocaleAndMode() throws Exception {
        Layer l = layer("damaged", mixed("latin-1 named file".getBytes(StandardCharsets.UTF_8)));
        // truncate caf\xe9.txt (the decoy with the same lossy spelling stays intact)
        shellWrite(l.diff(), LATIN1, "latin".getBytes(StandardCharsets.UTF_8), false);
        for (boolean[] m : MODES) {
            List<String> out = run(l, m[0], m[1]);
            assertTrue(out.contains("outcome=CONTENT_MISMATCH"), out.toString());
            assertEquals(List.of("damaged=caf\\xe9.txt|WRONG_SIZE|18|5"),
                    out.stream().filter(s -> s.startsWith("damaged=")).toList(), "mode " + m[0] + "/" + m[1]);
        }
    }

    @Test
    void namesDifferingOnlyInNonUtf8BytesNeedExactPaths() throws Exception {
        Layer l = layer("twins", List.of(Map.entry(TWIN_A, "a".getBytes(StandardCharsets.UTF_8)),
                Map.entry(TWIN_B, "bb".getBytes(StandardCharsets.UTF_8))));
        assertTrue(run(l, true, true).contains("outcome=VERIFIED"));
        assertTrue(run(l, false, true).contains("outcome=VERIFIED"));
        // without the flag the two cannot be told apart: reported as unreadable, never as the other file
        List<String> out = run(l, true, false);
        assertEquals(List.of("damaged=x\\xe9|UNREADABLE|1|-1", "damaged=x\\xe8|UNREADABLE|2|-1"),
                out.stream().filter(s -> s.startsWith("damaged=")).toList());
    }
}
