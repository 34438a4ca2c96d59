package dev.dockfsck.checker.rules;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.model.overlay.OverlayDir;

/** A rule about one overlay2 dir in use by a layer or a container. */
public interface OverlayRule {
    void check(OverlayOwner owner, OverlayDir dir, CheckContext ctx);
}
