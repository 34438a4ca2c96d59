package dev.dockfsck.model.image;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.store.StrayEntry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code image/overlay2/imagedb/}: image configs keyed by image ID, plus metadata dirs of images
 * whose content is gone.
 */
public record ImageDb(Map<Digest, Image> images, Map<Digest, Path> metadataWithoutContent, List<StrayEntry> strays) {
    public ImageDb {
        images = dev.dockfsck.model.SortedMaps.sortedCopy(images);
        metadataWithoutContent = dev.dockfsck.model.SortedMaps.sortedCopy(metadataWithoutContent);
        strays = List.copyOf(strays);
    }

    public Optional<Image> image(Digest id) {
        return Optional.ofNullable(images.get(id));
    }
}
