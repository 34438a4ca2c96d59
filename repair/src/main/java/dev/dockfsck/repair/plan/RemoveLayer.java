package dev.dockfsck.repair.plan;

import dev.dockfsck.repair.apply.ApplyContext;
import java.io.IOException;
import java.util.List;

/**
 * Removes one registered layer in dockerd's own order: rename {@code layerdb/sha256/<chainID>} to
 * {@code <chainID>-<rand>-removing} (so dockerd never sees a half-removed layer), remove its overlay2
 * dir and {@code l/} link, then the renamed layerdb dir. {@code rand} is fixed in the plan so a
 * rerun finds what a crashed run left.
 *
 * @param layerdb  root-relative layerdb dir of the layer
 * @param cacheDir root-relative overlay2 dir, or null when its cache-id was unreadable
 * @param link     root-relative {@code l/} entry, or null when unknown
 */
public record RemoveLayer(String chainId, String layerdb, String rand, String cacheDir, String link,
                          List<String> reasons) implements Action {
    @Override
    public String describe() {
        return "remove layer " + chainId + (cacheDir == null ? "" : " and " + cacheDir);
    }

    public String removingDir() {
        return layerdb + "-" + rand + "-removing";
    }

    @Override
    public long apply(ApplyContext ctx) throws IOException {
        ctx.fs().rename(layerdb, removingDir());
        long freed = 0;
        if (cacheDir != null) {
            freed += ctx.fs().removeTree(cacheDir);
        }
        if (link != null) {
            freed += ctx.fs().removeTree(link);
        }
        freed += ctx.fs().removeTree(removingDir());
        return freed;
    }
}
