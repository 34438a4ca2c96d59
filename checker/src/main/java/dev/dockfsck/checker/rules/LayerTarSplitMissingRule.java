package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.layer.Layer;

/**
 * {@code LAYER_TAR_SPLIT_MISSING}: no regular {@code tar-split.json.gz}; the layer loads, but its
 * content can never be proven or exported again. Foreign layers are exempt.
 */
public final class LayerTarSplitMissingRule implements LayerRule {
    @Override
    public void check(Layer layer, CheckContext ctx) {
        if (layer.tarSplit() != FileKind.REGULAR) {
            ctx.report(FindingCode.LAYER_TAR_SPLIT_MISSING, Subject.layer(layer.chainId()), layer.tarSplitPath(),
                    "layer " + layer.chainId().shortHex() + " has no tar-split.json.gz"
                            + (layer.tarSplit() == FileKind.MISSING ? "" : " (found a " + layer.tarSplit().name().toLowerCase(java.util.Locale.ROOT) + ")"),
                    evidence("found", layer.tarSplit().name().toLowerCase(java.util.Locale.ROOT)));
        }
    }
}
