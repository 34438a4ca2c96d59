package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command on a machine with only Java and Maven: {@code ./dockfsck demo} execs
 * no external tool (no setfattr, mknod, sh: a fresh Debian lacks attr), proven by tracing every
 * execve of the launcher's process tree, and ends with a clean store: the sample store's device
 * nodes, FIFOs, opaque directories and non-UTF-8 names were made in-process, as real objects.
 */
class DemoNeedsNoToolIT {
    @TempDir
    Path tmp;

    @Test
    void theDemoExecsNothingButTheJvmAndEndsClean() throws Exception {
        Path strace = Path.of("/usr/bin/strace");
        assumeTrue(Files.isExecutable(strace), "strace is not installed");
        assumeTrue("root".equals(System.getProperty("user.name")), "real special files need root");
        Path trace = tmp.resolve("execve.trace");
        Path demo = tmp.resolve("demo");
        // strace -f: the launcher script, its java, and anything either starts
        LauncherIT.Run r = LauncherIT.launchWith(List.of(strace.toString(), "-f", "-qq", "-e", "trace=execve",
                "-o", trace.toString()), LauncherIT.REPO.resolve("dockfsck"), Map.of(), "demo", "--dir", demo.toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("clean"), r.out());
        List<String> execs = Files.readAllLines(trace).stream().filter(l -> l.contains("execve(") && l.endsWith("= 0"))
                .map(l -> l.replaceAll("^\\d+\\s+execve\\(\"([^\"]+)\".*$", "$1")).toList();
        // the launcher (bash) runs dirname, then execs java; java itself starts no process
        List<String> others = execs.stream().filter(e -> !e.endsWith("/bash") && !e.endsWith("/dirname")
                && !e.endsWith("/java") && !e.endsWith("/dockfsck") && !e.endsWith("/strace")).toList();
        assertTrue(others.isEmpty(), "the demo ran external tools: " + others);
        assertTrue(execs.stream().anyMatch(e -> e.endsWith("/java")), "java was traced: " + execs);
        // and made the real objects, not stand-ins
        try (var s = Files.walk(demo.resolve("root/overlay2"))) {
            assertTrue(s.anyMatch(p -> {
                try {
                    return ((Integer) Files.getAttribute(p, "unix:mode",
                            java.nio.file.LinkOption.NOFOLLOW_LINKS) & 0170000) == 0020000;
                } catch (java.io.IOException e) {
                    return false;
                }
            }), "a whiteout (char device 0/0) in the demo store");
        }
    }
}
