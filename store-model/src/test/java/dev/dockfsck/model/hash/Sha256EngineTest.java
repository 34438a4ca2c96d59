package dev.dockfsck.model.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.model.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class Sha256EngineTest {
    static final String EMPTY = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    static String expected() {
        Random r = new Random(7);
        byte[] data = new byte[5_000_003];
        r.nextBytes(data);
        return Digest.sha256Of(data).toString();
    }

    @Test
    void jdkEngineMatchesMessageDigestInAnyChunking() {
        Sha256Engine e = Sha256Engine.jdk(1 << 20);
        assertEquals(expected(), EngineMain.digestOf(e, 7, 5_000_003));
        assertEquals(EMPTY, e.digest().toString());
        e.update("abc".getBytes(StandardCharsets.US_ASCII), 0, 3);
        assertEquals("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", e.digest().toString());
    }

    static List<String> run(String... flags) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(flags));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(EngineMain.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out.lines().toList();
    }

    @Test
    void libcryptoEngineIsUsedWithTheFlagsAndAgreesWithTheJdk() throws Exception {
        String want = expected();
        List<String> plain = run();
        assertTrue(plain.contains("implementation=jdk"), plain.toString());
        assertTrue(plain.contains("digest=" + want), plain.toString());

        List<String> flagged = run("--add-modules", "jdk.incubator.foreign", "--enable-native-access=ALL-UNNAMED");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libcrypto.so.3"))
                || java.nio.file.Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libcrypto.so.1.1")), "no libcrypto here");
        assertTrue(flagged.contains("implementation=libcrypto"), flagged.toString());
        assertTrue(flagged.contains("engine=libcrypto"), flagged.toString());
        assertTrue(flagged.contains("digest=" + want), flagged.toString());
        assertTrue(flagged.contains("again=" + want), "digest() resets: " + flagged);
        assertTrue(flagged.contains("empty=" + EMPTY), flagged.toString());

        assertTrue(flagged.contains("warning=false"), flagged.toString());
        assertTrue(plain.contains("warning=false"), "C2 has the SHA intrinsic: " + plain);
        List<String> c1 = run("-XX:TieredStopAtLevel=1");
        assertTrue(c1.contains("warning=true"), "C1 only and no libcrypto: " + c1);
        assertTrue(c1.contains("digest=" + want), c1.toString());
        List<String> c1Native = run("-XX:TieredStopAtLevel=1", "--add-modules", "jdk.incubator.foreign",
                "--enable-native-access=ALL-UNNAMED");
        assertTrue(c1Native.contains("warning=false"), c1Native.toString());

        List<String> noAccess = run("--add-modules", "jdk.incubator.foreign");
        assertTrue(noAccess.contains("implementation=jdk"), "without --enable-native-access: " + noAccess);
        assertTrue(noAccess.stream().anyMatch(l -> l.startsWith("reason=IllegalCallerException")), noAccess.toString());
        assertTrue(noAccess.contains("digest=" + want), noAccess.toString());

        List<String> forced = run("--add-modules", "jdk.incubator.foreign", "--enable-native-access=ALL-UNNAMED",
                "-Ddockfsck.sha256=jdk");
        assertTrue(forced.contains("implementation=jdk"), forced.toString());
    }
}
