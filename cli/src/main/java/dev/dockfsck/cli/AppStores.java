package dev.dockfsck.cli;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.StoreImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Finding and opening the restorable app store for the commands. Read-only. */
final class AppStores {
    static final Path DEFAULT = Path.of("/var/sota/reset-apps");

    private AppStores() {
    }

    /** The given store, or the default one when it exists, or none. */
    static Path chosen(Path given) {
        if (given != null) {
            return given;
        }
        return Files.isDirectory(DEFAULT) ? DEFAULT : null;
    }

    /**
     * Opens it for check and repair: a path with nothing at it is an operational error naming it
     * (a wrong --app-store); a store that is there but damaged past reading is not: its
     * APPSTORE_UNREADABLE finding goes into the report, and repair still repairs the engine.
     */
    static AppStore openForCheck(Path path) {
        if (dev.dockfsck.model.fs.StoreFiles.kindOf(path) == dev.dockfsck.model.fs.FileKind.MISSING) {
            throw new OperationalException("app store " + path + ": there is nothing at this path");
        }
        return AppStore.open(path);
    }

    /** Opens it for restore; a store that cannot be read at all is an operational error naming the path. */
    static AppStore open(Path path) {
        AppStore s = AppStore.open(path);
        if (!s.readable()) {
            String why = s.findings().isEmpty() ? "unreadable" : s.findings().get(0).message();
            throw new OperationalException("app store " + path + ": " + why);
        }
        return s;
    }

    /** Image ID to every name the store gives it (for rebuilding repositories.json and pending entries). */
    static Map<Digest, List<String>> names(AppStore s) {
        Map<Digest, List<String>> out = new HashMap<>();
        for (StoreImage i : s.images()) {
            out.computeIfAbsent(i.imageId(), k -> new ArrayList<>()).addAll(i.names());
        }
        return out;
    }
}
