package dev.dockfsck.model.store;

import dev.dockfsck.model.container.Container;
import dev.dockfsck.model.image.Distribution;
import dev.dockfsck.model.image.ImageDb;
import dev.dockfsck.model.image.Repositories;
import dev.dockfsck.model.layer.LayerDb;
import dev.dockfsck.model.overlay.Overlay2;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A whole Docker data root as found on disk, damage included. Built by {@link DataRootReader};
 * immutable; reading it never wrote anything.
 *
 * @param volumes    names under {@code volumes/}: listed only, never opened
 * @param importTmp  {@code tmp/docker-import-*} leftovers of interrupted loads
 * @param atomicWriteTmp {@code .tmp-<name><digits>} temp files of dockerd's interrupted atomic writes
 *                   ({@link dev.dockfsck.model.fs.AtomicWriteTmp}), beside the file they were to replace
 * @param strays     entries that could not be modelled (bad names, links, unreadable dirs)
 */
public record DataRoot(Path root, String driver, LayerDb layerDb, Overlay2 overlay2, ImageDb imageDb,
                       Repositories repositories, Distribution distribution, Map<String, Container> containers,
                       List<String> volumes, List<Path> importTmp, List<Path> atomicWriteTmp,
                       List<StrayEntry> strays) {
    public DataRoot {
        containers = dev.dockfsck.model.SortedMaps.sortedCopy(containers);
        volumes = List.copyOf(volumes);
        importTmp = List.copyOf(importTmp);
        atomicWriteTmp = List.copyOf(atomicWriteTmp.stream().sorted().toList());
        strays = List.copyOf(strays);
    }

    public Path imageDir() {
        return root.resolve("image").resolve(driver);
    }

    /**
     * The top chainID of a container's image, read from the image's config: what dockerd wrote
     * to the container's mount {@code parent}. Empty when the image or its config cannot be read,
     * or the image has no layers.
     */
    public java.util.Optional<dev.dockfsck.model.Digest> imageTopOf(Container c) {
        return c.config().optional().flatMap(cfg -> dev.dockfsck.model.Digest.tryParse(cfg.image()))
                .map(imageDb.images()::get).flatMap(image -> image.config().optional())
                .flatMap(dev.dockfsck.model.image.ImageConfig::topChainId);
    }
}
