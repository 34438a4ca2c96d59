package dev.dockfsck.cli;

import dev.dockfsck.model.fs.StoreFiles;
import dev.dockfsck.model.hash.Sha256Engine;

/**
 * Start-up work a run will need, begun on daemon threads before picocli reads the commands'
 * annotations (about 0.15 s of a start on the JVM's one main thread): linking libcrypto's
 * SHA-256 when the run hashes, and Jackson's first use (its date formats load the JDK's locale
 * data). The main thread waits for either only where it needs it, through class initialization.
 * On one core this only reorders work; on two it is done by the time the walk starts
 * (docs/java-on-the-store.md, start-up).
 */
final class StartUp {
    private StartUp() {
    }

    static void begin(String... args) {
        if (hashes(args)) {
            Sha256Engine.preload();
        }
        Thread json = new Thread(StoreFiles::warmUp, "dockfsck-json-preload");
        json.setDaemon(true);
        json.start();
    }

    /** Whether a run with these arguments hashes content: the launcher's rule for the foreign flags. */
    static boolean hashes(String... args) {
        for (String a : args) {
            if (a.equals("--deep") || a.equals("--app-store") || a.startsWith("--app-store=")
                    || a.equals("restore") || a.equals("demo")) {
                return true;
            }
        }
        return false;
    }
}
