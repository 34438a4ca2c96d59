package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.layer.Layer;

/** {@code LAYER_CACHE_DIR_MISSING}: the overlay2 directory named by cache-id does not exist. */
public final class LayerCacheDirMissingRule implements LayerRule {
    @Override
    public void check(Layer layer, CheckContext ctx) {
        layer.cacheId().optional().filter(id -> ctx.store().overlay2().dir(id).isEmpty()).ifPresent(id ->
                ctx.report(FindingCode.LAYER_CACHE_DIR_MISSING, Subject.layer(layer.chainId()),
                        ctx.store().root().resolve(ctx.store().driver()).resolve(id),
                        "layer " + layer.chainId().shortHex() + ": its cache dir overlay2/" + id + " does not exist",
                        evidence("cache_id", id)));
    }
}
