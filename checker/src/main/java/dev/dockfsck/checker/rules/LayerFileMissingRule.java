package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.layer.Layer;

/** {@code LAYER_FILE_MISSING}: diff, size or cache-id is absent from a registered layer. */
public final class LayerFileMissingRule implements LayerRule {
    @Override
    public void check(Layer layer, CheckContext ctx) {
        LayerFiles.required(layer).forEach((name, parsed) -> {
            if (parsed.isMissing()) {
                ctx.report(FindingCode.LAYER_FILE_MISSING, Subject.layer(layer.chainId()), layer.dir().resolve(name),
                        "layer " + layer.chainId().shortHex() + " has no " + name + " file", evidence("file", name, "defect", "missing", "detail", ""));
            }
        });
    }
}
