package dev.dockfsck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Start-up preloads libcrypto exactly for the runs the launcher gives the foreign API to. */
class StartUpTest {
    @Test
    void hashesForTheLaunchersForeignArguments() throws Exception {
        // the launcher's case pattern, e.g. `--deep|--app-store|--app-store=*|restore|demo)`
        String launcher = Files.readString(Path.of(System.getProperty("user.dir")).getParent().resolve("dockfsck"));
        Matcher m = Pattern.compile("(?m)^\\s*(--deep\\|[^)]*)\\)\\s*$").matcher(launcher);
        assertTrue(m.find(), "the launcher's case line for the foreign flags");
        List<String> alternatives = Arrays.asList(m.group(1).split("\\|"));
        assertEquals(List.of("--deep", "--app-store", "--app-store=*", "restore", "demo"), alternatives);
        for (String a : alternatives) {
            String arg = a.replace("*", "/srv/apps");
            assertTrue(StartUp.hashes("check", "--root", "/r", arg), arg);
        }
    }

    @Test
    void aShallowRunDoesNotHash() {
        assertFalse(StartUp.hashes("check", "--root", "/var/lib/docker", "--format", "json"));
        assertFalse(StartUp.hashes("repair", "--dry-run"));
        assertFalse(StartUp.hashes("--version"));
        assertFalse(StartUp.hashes("check", "--deeper"));
    }

    @Test
    void libcryptoIsLinkedEarlyOnlyForRunsThatHashAtOnce() {
        assertTrue(StartUp.preloadsSha256("check", "--deep"));
        assertTrue(StartUp.preloadsSha256("check", "--deep", "--incremental", "--full"), "the weekly verify proves every layer");
        assertTrue(StartUp.preloadsSha256("restore", "--pending"));
        assertTrue(StartUp.preloadsSha256("demo"));
        assertFalse(StartUp.preloadsSha256("repair", "--preen", "--deep", "--incremental", "--time-budget", "60"),
                "the boot unit proves only what the ledger lacks");
        assertFalse(StartUp.preloadsSha256("repair", "--preen", "--app-store", "/srv/apps"), "a repair hashes no blob of the app store");
        assertFalse(StartUp.preloadsSha256("check", "--root", "/r"));
    }

    @Test
    void theStoreIsReadEarlyForCheckAndRepairOnTheirRoot() {
        assertEquals(Path.of("/srv/docker"), StartUp.rootOf("repair", "--preen", "--root", "/srv/docker", "--state-dir", "/s"));
        assertEquals(Path.of("/srv/docker"), StartUp.rootOf("check", "--root=/srv/docker", "--format", "json"));
        assertEquals(Path.of("/var/lib/docker"), StartUp.rootOf("repair", "--preen"), "the commands' default root");
    }

    @Test
    void noEarlyReadForOtherCommandsOrUnclearArguments() {
        assertEquals(null, StartUp.rootOf());
        assertEquals(null, StartUp.rootOf("restore", "--root", "/r"));
        assertEquals(null, StartUp.rootOf("inventory", "--root", "/r"));
        assertEquals(null, StartUp.rootOf("check", "--root"));
        assertEquals(null, StartUp.rootOf("check", "--root", "/a", "--root", "/b"));
        assertEquals(null, StartUp.rootOf("repair", "--help"));
        assertEquals(null, StartUp.rootOf("check", "--", "--root", "/r"));
    }
}
