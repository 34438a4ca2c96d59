package dev.dockfsck.repair.apply;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.StoreLayer;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/** The restorable app store as the source of intact layers for in-place healing. Read-only. */
public final class AppStoreLayers implements LayerBlobSource {
    private final AppStore store;

    public AppStoreLayers(AppStore store) {
        this.store = store;
    }

    @Override
    public Optional<AppStore> appStore() {
        return Optional.of(store);
    }

    @Override
    public String location() {
        return store.root().toString();
    }

    @Override
    public Optional<String> blobFor(Digest diffId) {
        return store.layerForDiffId(diffId).map(l -> store.pathOf(l.blob()));
    }

    @Override
    public InputStream openLayer(Digest diffId) throws IOException {
        StoreLayer layer = store.layerForDiffId(diffId)
                .orElseThrow(() -> new IOException("the app store " + store.root() + " has no layer " + diffId));
        return store.openUncompressedLayer(layer);
    }
}
