package dev.dockfsck.model.appstore;

import java.util.List;

/**
 * An image the store lists but that could not be resolved to a manifest, config and layers
 * (missing or corrupt manifest or config, invalid index.json, refused path). The findings say why.
 *
 * @param key    as {@link StoreImage#key()}
 * @param names  the names it would have had, as far as they could be told
 * @param reason one line for a person
 */
public record UnresolvedImage(String key, String app, String appHash, List<String> names, String reason) {
    public UnresolvedImage {
        app = app == null ? "" : app;
        appHash = appHash == null ? "" : appHash;
        names = List.copyOf(names);
    }

    public String label() {
        return names.isEmpty() ? key : names.get(0);
    }
}
