package dev.dockfsck.model.store;

import dev.dockfsck.model.Background;
import dev.dockfsck.model.Defect;
import dev.dockfsck.model.Parsed;
import dev.dockfsck.model.container.ContainersReader;
import dev.dockfsck.model.fs.AtomicWriteTmp;
import dev.dockfsck.model.fs.DirEntry;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.fs.StoreFiles;
import dev.dockfsck.model.image.ImageDbReader;
import dev.dockfsck.model.image.Repositories;
import dev.dockfsck.model.layer.LayerDbReader;
import dev.dockfsck.model.overlay.Overlay2Reader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads a whole data root into a {@link DataRoot}. Read-only; never follows a symlink below the
 * root; every damaged file becomes a defect in the model. Only a root that cannot be examined
 * at all is a {@link StoreException}.
 */
public final class DataRootReader {
    public static final String SUPPORTED_DRIVER = "overlay2";
    /** Graph drivers dockerd has had; any of these without overlay2 is a clear "unsupported". */
    static final Set<String> KNOWN_DRIVERS = Set.of("aufs", "btrfs", "devicemapper", "fuse-overlayfs", "overlay",
            "vfs", "windowfilter", "zfs");

    private DataRootReader() {
    }

    public static DataRoot read(Path root) throws StoreException {
        Path real = realRoot(root);
        Path image = real.resolve("image");
        String driver = detectDriver(real, image);
        Path imageDir = image.resolve(driver);
        List<StrayEntry> strays = new ArrayList<>();
        List<Path> atomicTmp = new ArrayList<>();
        // overlay2/ on a thread of its own while this one reads layerdb/ and imagedb/ (independent
        // trees; ~40% of a 1000-layer read): the results and leftovers are joined in the same order
        List<Path> overlayTmp = new ArrayList<>();
        var overlayRead = Background.start("dockfsck-read-overlay2", () -> Overlay2Reader.read(real.resolve(driver), overlayTmp));
        var layerDb = LayerDbReader.read(imageDir.resolve("layerdb"));
        dev.dockfsck.model.Phases.mark("read: layerdb");
        List<Path> imageTmp = new ArrayList<>();
        var imageDb = ImageDbReader.read(imageDir.resolve("imagedb"), imageTmp);
        dev.dockfsck.model.Phases.mark("read: imagedb");
        var overlay2 = overlayRead.join();
        dev.dockfsck.model.Phases.mark("read: overlay2");
        atomicTmp.addAll(overlayTmp);
        atomicTmp.addAll(imageTmp);
        if (StoreFiles.notARealDir(imageDir).isEmpty()) {
            AtomicWriteTmp.collect(StoreFiles.list(imageDir).optional().orElse(List.of()),
                    n -> AtomicWriteTmp.isTmpOf(n, Repositories.FILE), atomicTmp);
        }
        Repositories repositories = ImageDbReader.readRepositories(imageDir.resolve(Repositories.FILE));
        var distribution = ImageDbReader.readDistribution(imageDir.resolve("distribution"), atomicTmp);
        var containers = ContainersReader.read(real.resolve("containers"), strays, atomicTmp);
        List<String> volumes = new ArrayList<>();
        for (DirEntry e : StoreFiles.list(real.resolve("volumes")).optional().orElse(List.of())) {
            if (e.kind() == FileKind.DIRECTORY) {
                volumes.add(e.name());
            }
        }
        List<Path> importTmp = new ArrayList<>();
        for (DirEntry e : StoreFiles.list(real.resolve("tmp")).optional().orElse(List.of())) {
            if (e.name().startsWith("docker-import-")) {
                importTmp.add(e.path());
            }
        }
        return new DataRoot(real, driver, layerDb, overlay2, imageDb, repositories, distribution, containers,
                volumes, importTmp, atomicTmp, strays);
    }

    private static Path realRoot(Path root) throws StoreException {
        Path real;
        try {
            real = root.toRealPath();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new StoreException(root + ": no such directory");
        } catch (IOException | SecurityException e) {
            throw new StoreException(root + ": cannot be read: " + e.getMessage());
        }
        if (!Files.isDirectory(real)) {
            throw new StoreException(root + ": not a directory");
        }
        if (!Files.isReadable(real) || !Files.isExecutable(real)) {
            throw new StoreException(root + ": permission denied");
        }
        return real;
    }

    private static String detectDriver(Path root, Path image) throws StoreException {
        FileKind kind = StoreFiles.kindOf(image);
        if (kind == FileKind.MISSING) {
            throw new StoreException(root + ": not a Docker data root (no image/ directory)");
        }
        Parsed<List<DirEntry>> l = StoreFiles.list(image);
        if (l instanceof Parsed.Bad<List<DirEntry>> bad) {
            Defect d = bad.defect();
            throw new StoreException(d.path() + ": cannot be examined: " + d.describe());
        }
        List<String> drivers = new ArrayList<>();
        for (DirEntry e : l.optional().orElseThrow()) {
            if (e.kind() == FileKind.DIRECTORY) {
                drivers.add(e.name());
            }
        }
        if (drivers.contains(SUPPORTED_DRIVER)) {
            return SUPPORTED_DRIVER;
        }
        if (drivers.isEmpty()) {
            throw new StoreException(root + ": not a Docker data root (image/ holds no graph driver directory)");
        }
        List<String> known = drivers.stream().filter(KNOWN_DRIVERS::contains).toList();
        throw new StoreException(root + ": graph driver " + String.join(", ", known.isEmpty() ? drivers : known)
                + " is not supported; dockfsck checks overlay2 stores only");
    }
}
