package dev.dockfsck.cli;

import dev.dockfsck.model.fs.StoreFiles;
import dev.dockfsck.model.hash.Sha256Engine;
import dev.dockfsck.model.store.Prefetch;
import java.nio.file.Path;

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
        if (preloadsSha256(args)) {
            Sha256Engine.preload();
        }
        Thread json = new Thread(StoreFiles::warmUp, "dockfsck-json-preload");
        json.setDaemon(true);
        json.start();
        prefetch(args);
    }

    /**
     * {@code check} and {@code repair} read the whole store first: that read begins now, on a
     * second thread, while picocli reads the commands' annotations ({@link Prefetch}; a preen of
     * 1000 layers: docs/benchmarks.md, "Start-up"). {@code repair} reads it only once the
     * live-engine check that it makes again itself finds no dockerd on the root. Any argument
     * this does not understand simply means no early read.
     */
    static void prefetch(String... args) {
        Path root = rootOf(args);
        if (root == null) {
            return;
        }
        boolean repair = args[0].equals("repair");
        Prefetch.start(root, () -> !repair || dev.dockfsck.repair.live.LiveEngine.find(root).isEmpty());
    }

    /** The {@code --root} of a {@code check} or {@code repair} command line, or null when it is another or unclear. */
    static Path rootOf(String... args) {
        if (args.length == 0 || !(args[0].equals("check") || args[0].equals("repair"))) {
            return null;
        }
        String root = null;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--root")) {
                if (root != null || i + 1 >= args.length) {
                    return null;
                }
                root = args[++i];
            } else if (a.startsWith("--root=")) {
                if (root != null) {
                    return null;
                }
                root = a.substring("--root=".length());
            } else if (a.equals("--") || a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version")) {
                return null;
            }
        }
        if (root == null) {
            root = Main.DEFAULT_ROOT;
        }
        try {
            return Path.of(root);
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
    }

    /**
     * Whether a run links libcrypto's SHA-256 at start-up, on a thread of its own: when it will
     * hash layer or blob content at once. Not the boot unit's {@code --deep --incremental} (without
     * {@code --full}): it proves only the layers new since the ledger was written, none on most
     * boots, and linking costs ~90 ms of CPU that the read and the check then wait for on two
     * cores; the first hash links it when there is one.
     */
    static boolean preloadsSha256(String... args) {
        boolean deep = false;
        boolean incremental = false;
        boolean full = false;
        for (String a : args) {
            switch (a) {
                case "restore", "demo" -> {
                    return true;
                }
                case "--deep" -> deep = true;
                case "--incremental" -> incremental = true;
                case "--full" -> full = true;
                default -> {
                }
            }
        }
        return deep && (!incremental || full);
    }

    /** Whether a run with these arguments may hash content: the launcher's rule for the foreign flags. */
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
