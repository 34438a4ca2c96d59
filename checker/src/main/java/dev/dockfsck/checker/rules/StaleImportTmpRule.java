package dev.dockfsck.checker.rules;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import java.nio.file.Path;

/** {@code STALE_IMPORT_TMP}: {@code tmp/docker-import-*}, the archive copy of an interrupted docker load. */
public final class StaleImportTmpRule implements StoreRule {
    @Override
    public void check(CheckContext ctx) {
        for (Path p : ctx.store().importTmp()) {
            LeftoverRules.leftover(ctx, FindingCode.STALE_IMPORT_TMP, p, "leftover of an interrupted docker load");
        }
    }
}
