package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Parsed;
import dev.dockfsck.model.layer.Layer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code LAYER_FILE_INVALID}: diff, size, cache-id or parent exists but is empty, malformed,
 * a symlink, or unreadable: dockerd fails to load the layer.
 */
public final class LayerFileInvalidRule implements LayerRule {
    @Override
    public void check(Layer layer, CheckContext ctx) {
        Map<String, Parsed<?>> files = new LinkedHashMap<>(LayerFiles.required(layer));
        files.put(Layer.PARENT, layer.parent());
        files.forEach((name, parsed) -> parsed.failure().filter(d -> d.kind() != dev.dockfsck.model.Defect.Kind.MISSING)
                .ifPresent(d -> ctx.report(FindingCode.LAYER_FILE_INVALID, Subject.layer(layer.chainId()), d.path(),
                        "layer " + layer.chainId().shortHex() + " " + name + ": " + d.describe(),
                        evidence("file", name, "defect", d.kind().name().toLowerCase(java.util.Locale.ROOT),
                                "detail", d.detail()))));
    }
}
