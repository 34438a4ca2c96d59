package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.layer.Layer;

/**
 * {@code LAYER_PARENT_DAMAGED}: the layer itself may be fine, but its parent is damaged, so dockerd
 * cannot load it either. Runs after every other layer rule, in dependency order, so damage
 * propagates up the whole chain.
 */
public final class LayerParentDamagedRule implements LayerRule {
    @Override
    public void check(Layer layer, CheckContext ctx) {
        layer.parent().optional().filter(p -> ctx.isDamaged(Subject.layer(p))).ifPresent(p ->
                ctx.report(FindingCode.LAYER_PARENT_DAMAGED, Subject.layer(layer.chainId()), layer.dir().resolve(Layer.PARENT),
                        "layer " + layer.chainId().shortHex() + " stands on damaged layer " + p.shortHex(),
                        evidence("parent", p.toString())));
    }
}
