package dev.dockfsck.model.layer;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.store.StrayEntry;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Everything under {@code image/overlay2/layerdb/}. Layers are keyed by chainID, sorted. */
public record LayerDb(Map<Digest, Layer> layers, Map<String, Mount> mounts, List<WriteSet> writeSets,
                      List<RemovingDir> removing, List<StrayEntry> strays) {
    public LayerDb {
        layers = dev.dockfsck.model.SortedMaps.sortedCopy(layers);
        mounts = dev.dockfsck.model.SortedMaps.sortedCopy(mounts);
        writeSets = List.copyOf(writeSets);
        removing = List.copyOf(removing);
        strays = List.copyOf(strays);
    }

    public Optional<Layer> layer(Digest chainId) {
        return Optional.ofNullable(layers.get(chainId));
    }
}
