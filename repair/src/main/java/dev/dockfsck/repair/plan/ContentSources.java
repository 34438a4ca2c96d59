package dev.dockfsck.repair.plan;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.StoreImage;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.layer.Layer;
import dev.dockfsck.repair.apply.LayerBlobSource;
import java.util.List;
import java.util.Optional;

/**
 * The one list of places repair can take lost bytes from, asked by every pass with the same
 * question: <em>who can rebuild this digest?</em> A file whose correct bytes are fixed by a
 * content address one of these holds is rewritten in place from it (and proven against that
 * address before anything moves); what none of them can rebuild is removed and recorded for
 * re-injection. In the order they are asked:
 * <ol>
 * <li>{@link Kind#OWN_TAR_SPLIT}: the layer's own {@code tar-split.json.gz} and {@code diff/}
 * files, which re-assemble to the diffID (the deep check proved it): the headers of its entries;
 * it never holds a lost file's bytes.</li>
 * <li>{@link Kind#APP_STORE}: the restorable app store's blobs, verified while they stream: an
 * image config by the image ID (its sha256), a layer tar by the diffID (its uncompressed
 * stream's sha256), found through the app store's configs.</li>
 * </ol>
 * Read-only: a source is only asked and, at apply time, read.
 */
final class ContentSources {
    /** One kind of source. */
    enum Kind {
        OWN_TAR_SPLIT("the layer's own tar-split and diff/ files"),
        APP_STORE("the app store's verified blobs");

        final String description;

        Kind(String description) {
            this.description = description;
        }
    }

    /** The sources in the order they are asked. */
    static final List<Kind> ORDER = List.of(Kind.OWN_TAR_SPLIT, Kind.APP_STORE);

    private final Optional<LayerBlobSource> appStore;

    ContentSources(Optional<LayerBlobSource> appStore) {
        this.appStore = appStore;
    }

    /**
     * The headers of every entry of the layer, from its own tar-split: there when the file is
     * (the deep check that found the damage re-assembled it to the diffID).
     */
    boolean ownHeaders(Layer l) {
        return l.tarSplit() == FileKind.REGULAR;
    }

    /**
     * The whole layer tar with this diffID (headers and file bytes), from the app store: the
     * location to name in the action (apply time streams and verifies it); empty when the app
     * store is not given or holds no such layer.
     */
    Optional<String> layerTar(Digest diffId) {
        return appStore.filter(b -> b.blobFor(diffId).isPresent()).map(LayerBlobSource::location);
    }

    /**
     * The image config with this image ID, from the app store (its bytes were verified against
     * the ID when the store was read; apply time verifies them again): the app-store image it
     * belongs to, whose chainIDs say which layers the image needs. Empty without an app store.
     */
    Optional<StoreImage> imageConfig(Digest imageId) {
        return appStoreImages().stream().filter(i -> i.imageId().equals(imageId)).findFirst();
    }

    /** Every image of the app store (none without one): what an interrupted load may have been installing. */
    List<StoreImage> appStoreImages() {
        return appStore.flatMap(LayerBlobSource::appStore).map(AppStore::images).orElse(List.of());
    }

    /** Where the app store is, for the actions that read it at apply time. */
    Optional<String> appStoreLocation() {
        return appStore.map(LayerBlobSource::location);
    }
}
