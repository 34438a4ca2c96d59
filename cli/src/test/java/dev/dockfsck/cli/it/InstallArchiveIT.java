package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.StoreBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The install archive {@code mvn package} makes (issue 14 item 7, docs/integration.md "What to
 * install"): one top directory with the launcher, lib/ (jar and start-up archives), the systemd
 * units, man pages and completion; unpacked elsewhere, its launcher runs a check with the archives.
 */
class InstallArchiveIT {
    @TempDir
    Path tmp;

    @Test
    void theArchiveHoldsEverythingAndItsLauncherRunsFromAnotherDirectory() throws Exception {
        Path target = LauncherIT.REPO.resolve("cli/target");
        Path archive;
        try (Stream<Path> s = Files.list(target)) {
            archive = s.filter(p -> p.getFileName().toString().matches("dockfsck-.+\\.tar\\.gz")).findFirst()
                    .orElseThrow(() -> new AssertionError("mvn package makes cli/target/dockfsck-VERSION.tar.gz"));
        }
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", tmp.toString()).inheritIO().start();
        assertTrue(tar.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, tar.exitValue());
        Path top = tmp.resolve(archive.getFileName().toString().replace(".tar.gz", ""));
        assertTrue(Files.isExecutable(top.resolve("dockfsck")), "the launcher, executable");
        for (String f : List.of("lib/dockfsck.jar", "systemd/dockfsck.service",
                "systemd/dockfsck-restore.service", "systemd/dockfsck-verify.service", "systemd/dockfsck-verify.timer",
                "man/man1/dockfsck.1", "man/man1/dockfsck-repair.1", "completion/dockfsck.bash", "doc/integration.md")) {
            assertTrue(Files.isRegularFile(top.resolve(f)), f);
        }
        // the JDK 25 files come together or not at all
        assertEquals(Files.isRegularFile(top.resolve("lib/dockfsck.aot")), Files.isRegularFile(top.resolve("lib/jdk25-home")));
        Path root = tmp.resolve("root");
        StoreBuilder.create(root, 3).load(SampleSet.images());
        if (Files.isRegularFile(top.resolve("lib/jdk25-home"))) {
            // the build's JDK 25 AOT cache maps from the unpacked copy
            assertEquals("source: shared objects file", mainSource(top, root, "auto"));
        }
        // JDK 17: the archive has no CDS archive (tied to the jar's path); the run is clean without one,
        // and after the install's training run (docs/integration.md, exactly) the classes come from it
        assertTrue(mainSource(top, root, "jdk17").startsWith("source: file:"), "from the jar");
        Path lib = top.resolve("lib");
        Process train = new ProcessBuilder("java", "-XX:ArchiveClassesAtExit=" + lib.resolve("dockfsck.jsa"),
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xlog:disable", "--add-modules=jdk.incubator.foreign",
                "--enable-native-access=ALL-UNNAMED", "-jar", lib.resolve("dockfsck.jar").toString(), "demo", "--dir",
                tmp.resolve("training").toString()).redirectErrorStream(true).redirectOutput(tmp.resolve("training.log").toFile()).start();
        train.getOutputStream().close();
        assertTrue(train.waitFor(120, TimeUnit.SECONDS));
        assertTrue(train.exitValue() == 0 || train.exitValue() == 4, "training exit " + train.exitValue());
        assertEquals("source: shared objects file (top)", mainSource(top, root, "jdk17"));
    }

    /** Runs the unpacked launcher's check with that runtime: clean, nothing on stderr; where Main came from. */
    private String mainSource(Path top, Path root, String runtime) throws Exception {
        Path log = tmp.resolve(runtime + "-" + System.nanoTime() + ".log");
        LauncherIT.Run r = LauncherIT.launch(top.resolve("dockfsck"),
                Map.of("DOCKFSCK_RUNTIME", runtime, "DOCKFSCK_JAVA_OPTS", "-Xlog:class+load=info:file=" + log),
                "check", "--root", root.toString(), "--format", "json");
        assertEquals(0, r.exit(), runtime + ": " + r.err());
        assertEquals("dockfsck.report/v1", new ObjectMapper().readTree(r.out()).get("schema").asText(), runtime);
        assertEquals("", r.err(), runtime + ": nothing on stderr");
        List<String> main = Files.readAllLines(log).stream().filter(l -> l.contains(" dev.dockfsck.cli.Main ")).toList();
        assertEquals(1, main.size(), runtime + ": " + main);
        return main.get(0).substring(main.get(0).indexOf("source: "));
    }
}
