package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.StoreBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher {@code ./dockfsck} as users run it, on the jar and class-data-sharing archive that
 * {@code mvn package} built: the archive is used, a stale or foreign one is ignored without a word
 * on stdout (which may carry a JSON report), and the deep check says how fast it verified.
 */
class LauncherIT {
    /** The repository root: failsafe runs in cli/. */
    static final Path REPO = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
    }

    static Run launch(Path launcher, Map<String, String> env, String... args) throws IOException, InterruptedException {
        return launchWith(List.of(), launcher, env, args);
    }

    /** Runs the launcher under a wrapper command (e.g. strace), which is prepended. */
    static Run launchWith(List<String> wrapper, Path launcher, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.addAll(List.of("bash", launcher.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("DOCKFSCK_JAVA_OPTS");
        pb.environment().putAll(env);
        Path out = Files.createTempFile("launcher", ".out");
        Path err = Files.createTempFile("launcher", ".err");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("the launcher did not finish: " + cmd);
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void theBuildsArchiveIsUsed() throws Exception {
        Path jsa = REPO.resolve("cli/target/dockfsck.jsa");
        assertTrue(Files.isRegularFile(jsa), "mvn package makes " + jsa);
        Run r = launch(REPO.resolve("dockfsck"), Map.of("DOCKFSCK_RUNTIME", "jdk17", "DOCKFSCK_JAVA_OPTS", "-Xlog:class+load=info:stderr"),
                "--version");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("dockfsck "), r.out());
        assertTrue(r.out().contains("Java 17"), r.out());
        assertTrue(r.err().contains("dev.dockfsck.cli.Main source: shared objects file (top)"),
                "Main comes from the dynamic archive: " + r.err().lines().filter(l -> l.contains("dockfsck")).limit(5).toList());
        // picocli too: built for Java 17 from its sources (its released Java 5 classes cannot be archived)
        List<String> picocli = r.err().lines().filter(l -> l.contains(" picocli.")).toList();
        assertTrue(!picocli.isEmpty() && picocli.stream().allMatch(l -> l.endsWith("source: shared objects file (top)")),
                "picocli comes from the dynamic archive: " + picocli.stream().filter(l -> !l.contains("shared objects")).limit(5).toList());
    }

    /**
     * When the build found a JDK 25 (cli/target/jdk25-home) it made an AOT cache, and the launcher's
     * default is that JDK with the cache: the app's classes come from it, and a deep check (libc and
     * libcrypto through the final foreign API) says nothing on stderr but its own rate line.
     */
    @Test
    void withAJdk25TheLauncherRunsItWithTheAotCacheAndNoWarning() throws Exception {
        Path home = REPO.resolve("cli/target/jdk25-home");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(home), "the build found no JDK 25");
        assertTrue(Files.isRegularFile(REPO.resolve("cli/target/dockfsck.aot")), "jdk25-home comes with dockfsck.aot");
        Run r = launch(REPO.resolve("dockfsck"), Map.of("DOCKFSCK_JAVA_OPTS", "-Xlog:class+load=info:stderr"), "--version");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Java 25"), r.out());
        assertTrue(r.err().contains("dev.dockfsck.cli.Main source: shared objects file"),
                "Main comes from the AOT cache: " + r.err().lines().filter(l -> l.contains("dockfsck")).limit(5).toList());
        Path root = tmp.resolve("root25");
        StoreBuilder.create(root, 3).load(SampleSet.images());
        Run deep = launch(REPO.resolve("dockfsck"), Map.of(), "check", "--deep", "--jobs", "1", "--root", root.toString(),
                "--format", "json");
        assertEquals(0, deep.exit(), deep.err());
        assertEquals("dockfsck.report/v1", new ObjectMapper().readTree(deep.out()).get("schema").asText());
        List<String> err = deep.err().lines().toList();
        assertEquals(1, err.size(), "only the rate line on stderr: " + err);
        assertTrue(err.get(0).matches("deep: \\d+ layers, .+ of content verified in [0-9.]+ s \\(\\d+ MB/s, 1 job\\)"), err.get(0));
        // the JDK 17 path stays: forced, it runs the JDK on the PATH
        Run r17 = launch(REPO.resolve("dockfsck"), Map.of("DOCKFSCK_RUNTIME", "jdk17"), "--version");
        assertEquals(0, r17.exit(), r17.err());
        assertTrue(r17.out().contains("Java 17"), r17.out());
    }

    @Test
    void aStaleOrForeignArchiveIsIgnoredSilentlyAndStdoutStaysAReport() throws Exception {
        // a copy of the layout: <dir>/dockfsck, <dir>/cli/target/dockfsck.jar and an archive that
        // does not belong to that jar (garbage, then the real one made for another path)
        Path dir = tmp.resolve("install");
        Files.createDirectories(dir.resolve("cli/target"));
        Files.copy(REPO.resolve("dockfsck"), dir.resolve("dockfsck"));
        Files.copy(REPO.resolve("cli/target/dockfsck.jar"), dir.resolve("cli/target/dockfsck.jar"));
        Path root = tmp.resolve("root");
        StoreBuilder b = StoreBuilder.create(root, 3);
        b.load(SampleSet.images());
        Path jsa = dir.resolve("cli/target/dockfsck.jsa");
        for (String kind : List.of("garbage", "foreign")) {
            if (kind.equals("garbage")) {
                Files.write(jsa, "not an archive".getBytes(StandardCharsets.US_ASCII));
            } else {
                Files.copy(REPO.resolve("cli/target/dockfsck.jsa"), jsa, StandardCopyOption.REPLACE_EXISTING);
            }
            // newer than the jar: the launcher passes it to the JVM
            Files.setLastModifiedTime(jsa, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
            Run r = launch(dir.resolve("dockfsck"), Map.of(), "check", "--deep", "--jobs", "1", "--root", root.toString(),
                    "--format", "json");
            assertEquals(0, r.exit(), kind + ": " + r.err());
            JsonNode doc = new ObjectMapper().readTree(r.out()); // nothing but the report on stdout
            assertEquals("dockfsck.report/v1", doc.get("schema").asText(), kind);
            assertTrue(doc.get("deep").asBoolean(), kind);
            assertTrue(r.err().lines().noneMatch(l -> l.contains("cds") || l.contains("shared archive")), kind + ": " + r.err());
            assertTrue(r.err().lines().anyMatch(l -> l.matches("deep: \\d+ layers, .+ of content verified in [0-9.]+ s \\(\\d+ MB/s, 1 job\\)")),
                    kind + ": " + r.err());
            Files.delete(jsa);
        }
    }
}
