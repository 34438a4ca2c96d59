package dev.dockfsck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The boot units in systemd/: what they promise, and that systemd accepts them. */
class SystemdUnitsTest {
    static final List<String> UNITS = List.of("dockfsck.service", "dockfsck-restore.service",
            "dockfsck-verify.service", "dockfsck-verify.timer");

    @TempDir
    Path tmp;

    private static Path unit(String name) {
        return SystemdUnits.dir().resolve(name);
    }

    @Test
    void theShippedUnitsAreExactlyThese() throws IOException {
        try (Stream<Path> s = Files.list(SystemdUnits.dir())) {
            List<String> found = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".service") || n.endsWith(".timer")).sorted().toList();
            assertEquals(UNITS.stream().sorted().toList(), found);
        }
    }

    @Test
    void preenRunsOnceBeforeDockerAndNeverHoldsItBack() throws IOException {
        Path u = unit("dockfsck.service");
        assertEquals("oneshot", SystemdUnits.value(u, "Service", "Type"));
        assertEquals("yes", SystemdUnits.value(u, "Service", "RemainAfterExit"));
        assertTrue(SystemdUnits.words(u, "Unit", "Before").contains("docker.service"));
        // docker.service is WantedBy=multi-user.target: so is the preen, so both are in one transaction
        assertEquals(List.of("multi-user.target"), SystemdUnits.words(u, "Install", "WantedBy"));
        List<String> argv = SystemdUnits.execStart("dockfsck.service");
        assertEquals(SystemdUnits.LAUNCHER, argv.get(0));
        assertEquals(List.of("repair", "--preen"), argv.subList(1, 3));
        // a store preen cannot fully mend must not keep docker from starting
        assertTrue(SystemdUnits.words(u, "Service", "SuccessExitStatus").containsAll(List.of("1", "4")));
        assertTrue(SystemdUnits.words(u, "Unit", "Requires").isEmpty(), "nothing may require the preen");
        assertBounded(u);
        assertTrue(SystemdUnits.value(u, "Unit", "ConditionPathIsDirectory").startsWith("/var/lib/docker"));
    }

    @Test
    void restoreRunsOnceDockerIsUpAndOnlyWhenSomethingIsPending() throws IOException {
        Path u = unit("dockfsck-restore.service");
        assertEquals("oneshot", SystemdUnits.value(u, "Service", "Type"));
        assertTrue(SystemdUnits.words(u, "Unit", "Requires").contains("docker.service"));
        assertTrue(SystemdUnits.words(u, "Unit", "After").containsAll(List.of("docker.service", "dockfsck.service")));
        List<String> argv = SystemdUnits.execStart("dockfsck-restore.service");
        assertEquals(SystemdUnits.LAUNCHER, argv.get(0));
        assertEquals(List.of("restore", "--pending"), argv.subList(1, 3));
        assertEquals("/var/lib/dockfsck/pending-restore.json", SystemdUnits.value(u, "Unit", "ConditionPathExists"));
        assertEquals("/var/sota/reset-apps", SystemdUnits.value(u, "Unit", "ConditionPathIsDirectory"));
        assertEquals(List.of("multi-user.target"), SystemdUnits.words(u, "Install", "WantedBy"));
        assertBounded(u);
    }

    @Test
    void aWeeklyTimerRunsTheFullDeepVerify() throws IOException {
        Path t = unit("dockfsck-verify.timer");
        assertEquals("weekly", SystemdUnits.value(t, "Timer", "OnCalendar"));
        assertEquals("true", SystemdUnits.value(t, "Timer", "Persistent"));
        assertEquals(List.of("timers.target"), SystemdUnits.words(t, "Install", "WantedBy"));
        Path s = unit("dockfsck-verify.service");
        List<String> argv = SystemdUnits.execStart("dockfsck-verify.service");
        assertEquals("check", argv.get(1));
        assertTrue(argv.contains("--deep"));
        assertFalse(SystemdUnits.parse(s).containsKey("Install"), "the timer starts it, nothing else");
        assertBounded(s);
    }

    /** A bounded start and no restart loop. */
    private static void assertBounded(Path u) throws IOException {
        String timeout = SystemdUnits.value(u, "Service", "TimeoutStartSec");
        assertTrue(timeout.matches("\\d+(min|h|s)"), u + ": TimeoutStartSec " + timeout);
        assertFalse(timeout.equals("0") || timeout.equals("infinity"));
        String restart = SystemdUnits.value(u, "Service", "Restart");
        assertTrue(restart.isEmpty() || restart.equals("no"), u + ": Restart=" + restart);
    }

    /**
     * {@code systemd-analyze verify} on copies whose launcher path is this checkout's (systemd
     * checks that ExecStart is executable). Any complaint fails, warnings too: systemd only warns
     * about (and ignores) a bad value.
     */
    @Test
    void systemdAnalyzeVerifyAcceptsThemWithoutAWord() throws Exception {
        Path analyze = Stream.of("/usr/bin/systemd-analyze", "/bin/systemd-analyze").map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(analyze != null, "systemd-analyze is not installed");
        List<String> cmd = new ArrayList<>(List.of(analyze.toString(), "verify", "--man=no"));
        for (String name : UNITS) {
            String text = Files.readString(unit(name), StandardCharsets.UTF_8)
                    .replace(SystemdUnits.LAUNCHER, SystemdUnits.launcher().toString());
            Path copy = tmp.resolve(name);
            Files.writeString(copy, text, StandardCharsets.UTF_8);
            cmd.add(copy.toString());
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("", out.strip(), "systemd-analyze verify said something");
    }
}
