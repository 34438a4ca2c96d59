package dev.dockfsck.checker.rules;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.model.container.Container;
import dev.dockfsck.model.layer.Mount;
import dev.dockfsck.model.layer.RemovingDir;

/**
 * {@code INTERRUPTED_REMOVAL}: a {@code *-removing} layerdb dir, or the RW layer record of a
 * container whose own directory is gone: a removal that stopped half way.
 */
public final class InterruptedRemovalRule implements StoreRule {
    @Override
    public void check(CheckContext ctx) {
        for (RemovingDir r : ctx.store().layerDb().removing()) {
            LeftoverRules.leftover(ctx, FindingCode.INTERRUPTED_REMOVAL, r.dir(), "interrupted removal");
        }
        for (Mount m : ctx.store().layerDb().mounts().values()) {
            Container c = ctx.store().containers().get(m.containerId());
            if (c == null) {
                LeftoverRules.leftover(ctx, FindingCode.INTERRUPTED_REMOVAL, m.dir(),
                        "RW layer record of a removed container");
            }
        }
    }
}
