package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.layer.Layer;

/** {@code LAYER_PARENT_MISSING}: the parent chainID names no registered layer (a dangling layer). */
public final class LayerParentMissingRule implements LayerRule {
    @Override
    public void check(Layer layer, CheckContext ctx) {
        layer.parent().optional().filter(p -> ctx.layer(p).isEmpty()).ifPresent(p ->
                ctx.report(FindingCode.LAYER_PARENT_MISSING, Subject.layer(layer.chainId()), layer.dir().resolve(Layer.PARENT),
                        "layer " + layer.chainId().shortHex() + " stands on " + p.shortHex() + ", which is not registered",
                        evidence("parent", p.toString())));
    }
}
