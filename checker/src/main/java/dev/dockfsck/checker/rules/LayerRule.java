package dev.dockfsck.checker.rules;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.model.layer.Layer;

/** A rule about one registered layer, run in dependency order (parents first). */
public interface LayerRule {
    void check(Layer layer, CheckContext ctx);
}
