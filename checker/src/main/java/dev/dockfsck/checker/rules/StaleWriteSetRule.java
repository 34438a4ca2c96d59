package dev.dockfsck.checker.rules;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.model.layer.WriteSet;

/** {@code STALE_WRITE_SET}: {@code layerdb/tmp/write-set-*}, a layer registration never committed. */
public final class StaleWriteSetRule implements StoreRule {
    @Override
    public void check(CheckContext ctx) {
        for (WriteSet w : ctx.store().layerDb().writeSets()) {
            LeftoverRules.leftover(ctx, FindingCode.STALE_WRITE_SET, w.dir(), "uncommitted layer transaction");
        }
    }
}
