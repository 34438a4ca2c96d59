package dev.dockfsck.cli;

import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.StoreImage;
import dev.dockfsck.repair.apply.RootedFs;
import dev.dockfsck.repair.live.LiveEngine;
import dev.dockfsck.repair.restore.PendingRestore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code dockfsck reset}: factory reset of a data root, offline. The root is renamed aside in
 * one step (dockerd, when it next starts, finds an empty root and makes a fresh store), a new
 * empty root is made with the old one's owner and mode, {@code volumes/} is renamed back into it
 * unless {@code --volumes}, and the aside tree is removed. A crash at any point leaves either the
 * old root or the new one plus an aside tree; the next reset puts volumes back from it (when the
 * new root has none) and removes it. With an app store, every app image is first recorded in
 * pending-restore.json (reason {@code factory-reset}), so dockfsck-restore.service brings every
 * app back on the next start.
 */
@Command(name = "reset", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Factory reset of a Docker data root, offline (dockerd must be stopped): moves the root aside "
                + "atomically and removes it, keeping volumes/ unless --volumes.",
                "With an app store, every app image is recorded for 'dockfsck restore --pending', which "
                        + "dockfsck-restore.service runs once dockerd is up."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:reset done", "8:operational error (live dockerd, mounts under the root, not a Docker root)",
                "16:usage error"})
public final class ResetCommand implements Callable<Integer> {
    static final String ASIDE = ".dockfsck-reset-";

    @Option(names = "--root", paramLabel = "DIR", required = true,
            description = "Docker data root to reset (no default: say it)")
    Path root;

    @Option(names = "--volumes", description = "Also remove volumes/ (user data)")
    boolean volumes;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "/var/lib/dockfsck",
            description = "Where pending-restore.json is recorded (default: ${DEFAULT-VALUE})")
    Path stateDir;

    @Option(names = "--app-store", paramLabel = "DIR",
            description = "Restorable app store whose images to record for restore (default: /var/sota/reset-apps when it exists)")
    Path appStore;

    @Option(names = "--no-restore", description = "Record nothing for restore")
    boolean noRestore;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path dir = root.toAbsolutePath().normalize();
        if (dir.getParent() == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "refusing to reset " + dir);
        }
        String name = dir.getFileName().toString();
        Path parent = dir.getParent();
        PrintStream out = Output.stdout();
        List<Path> asides = asides(parent, name);
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Optional<String> live = LiveEngine.find(dir);
            if (live.isPresent()) {
                throw new OperationalException("refusing to reset " + dir + ": " + live.get()
                        + "; stop dockerd (systemctl stop docker docker.socket) and run again");
            }
            if (!looksLikeDockerRoot(dir)) {
                throw new OperationalException("refusing to reset " + dir + ": it does not look like a Docker data "
                        + "root (no image/, overlay2/, containers/ or volumes/)");
            }
        } else if (asides.isEmpty()) {
            throw new OperationalException("refusing to reset " + dir + ": there is no directory at this path");
        }
        if (!noRestore) {
            record(out);
        }
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && !isFresh(dir)) {
            Path aside = parent.resolve("." + name + ASIDE + System.currentTimeMillis());
            PosixFileAttributes attrs = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            Files.move(dir, aside, StandardCopyOption.ATOMIC_MOVE);
            RootedFs.fsyncDir(parent);
            out.println("reset: moved " + dir + " aside to " + aside);
            Files.createDirectory(dir);
            PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
            view.setPermissions(attrs.permissions());
            view.setOwner(attrs.owner());
            view.setGroup(attrs.group());
            RootedFs.fsyncDir(parent);
            asides.add(aside);
        } else if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(dir);
            RootedFs.fsyncDir(parent);
        }
        if (volumes && Files.isDirectory(dir.resolve("volumes"), LinkOption.NOFOLLOW_LINKS)) {
            // a root already reset but for its volumes: those go aside too, and then away
            Path aside = parent.resolve("." + name + ASIDE + System.currentTimeMillis() + "-volumes");
            Files.move(dir.resolve("volumes"), aside, StandardCopyOption.ATOMIC_MOVE);
            RootedFs.fsyncDir(dir);
            asides.add(aside);
        }
        long freed = 0;
        for (Path aside : asides) {
            Path vol = aside.resolve("volumes");
            if (!volumes && Files.isDirectory(vol, LinkOption.NOFOLLOW_LINKS)
                    && !Files.exists(dir.resolve("volumes"), LinkOption.NOFOLLOW_LINKS)) {
                Files.move(vol, dir.resolve("volumes"), StandardCopyOption.ATOMIC_MOVE);
                RootedFs.fsyncDir(dir);
                RootedFs.fsyncDir(aside);
                out.println("reset: kept volumes/ in " + dir);
            }
            long gone = new RootedFs(parent).removeTree(aside.getFileName().toString());
            freed += gone;
            out.println("reset: removed " + aside + " (" + dev.dockfsck.checker.output.ReportText.human(gone) + ")");
        }
        out.println("reset: " + dir + " is empty" + (volumes ? "" : " but for volumes/")
                + "; dockerd makes a fresh store when it starts");
        return ExitCodes.CLEAN;
    }

    /** A root that holds nothing but volumes/ (a reset already done): nothing to move aside. */
    private static boolean isFresh(Path dir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (!p.getFileName().toString().equals("volumes")) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean looksLikeDockerRoot(Path dir) throws IOException {
        for (String s : List.of("image", "overlay2", "containers", "volumes")) {
            if (Files.isDirectory(dir.resolve(s), LinkOption.NOFOLLOW_LINKS)) {
                return true;
            }
        }
        return isFresh(dir);
    }

    /** Aside trees an interrupted reset of this root left. */
    private static List<Path> asides(Path parent, String name) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, "." + name + ASIDE + "*")) {
            for (Path p : ds) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(p);
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** Every app image of the app store, recorded for restore --pending. */
    private void record(PrintStream out) throws IOException {
        Path storePath = AppStores.chosen(appStore);
        if (storePath == null) {
            out.println("reset: no app store: nothing recorded for restore");
            return;
        }
        try (AppStore store = AppStores.open(storePath)) {
            List<PendingRestore.Entry> entries = new ArrayList<>();
            for (StoreImage i : store.images()) {
                String first = i.names().isEmpty() ? i.imageId().toString() : i.names().get(0);
                entries.add(new PendingRestore.Entry(first, i.imageId(), i.names(), i.app(), "factory-reset"));
            }
            new PendingRestore(stateDir).add(entries);
            out.println("reset: recorded " + entries.size() + " app image(s) of " + storePath + " in "
                    + stateDir.resolve(PendingRestore.FILE_NAME) + " for 'dockfsck restore --pending'");
        }
    }
}
