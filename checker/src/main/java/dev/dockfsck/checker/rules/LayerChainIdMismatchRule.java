package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.layer.Layer;

/**
 * {@code LAYER_CHAINID_MISMATCH}: the directory name is not the chainID of (parent, diff):
 * {@code ChainID = sha256(parentChainID + " " + diffID)}, or the diffID for a base layer.
 */
public final class LayerChainIdMismatchRule implements LayerRule {
    @Override
    public void check(Layer layer, CheckContext ctx) {
        if (!layer.diffId().isOk() || !(layer.parent().isOk() || layer.parent().isMissing())) {
            return;
        }
        Digest diff = layer.diffId().optional().orElseThrow();
        Digest expected = Digest.chainId(layer.parent().optional().orElse(null), diff);
        if (!expected.equals(layer.chainId())) {
            ctx.report(FindingCode.LAYER_CHAINID_MISMATCH, Subject.layer(layer.chainId()), layer.dir(),
                    "layer " + layer.chainId().shortHex() + " is stored under the wrong chainID: its diff and parent give "
                            + expected.shortHex(),
                    evidence("expected_chain_id", expected.toString(), "diff_id", diff.toString(),
                            "parent", layer.parent().optional().map(Digest::toString).orElse("")));
        }
    }
}
