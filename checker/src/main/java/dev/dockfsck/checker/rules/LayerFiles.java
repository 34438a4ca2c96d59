package dev.dockfsck.checker.rules;

import dev.dockfsck.model.Parsed;
import dev.dockfsck.model.layer.Layer;
import java.util.LinkedHashMap;
import java.util.Map;

/** The layerdb metadata files of a layer, by file name, as parsed. */
final class LayerFiles {
    private LayerFiles() {
    }

    /** The files dockerd needs to load a layer (parent is optional and handled apart). */
    static Map<String, Parsed<?>> required(Layer l) {
        Map<String, Parsed<?>> m = new LinkedHashMap<>();
        m.put(Layer.DIFF, l.diffId());
        m.put(Layer.SIZE, l.size());
        m.put(Layer.CACHE_ID, l.cacheId());
        return m;
    }
}
