package dev.dockfsck.checker.rules;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import java.nio.file.Path;

/**
 * {@code ATOMIC_WRITE_LEFTOVER}: {@code .tmp-<name><digits>}, the temp file of one of dockerd's
 * atomic writes ({@link dev.dockfsck.model.fs.AtomicWriteTmp}) that a power cut left before its
 * rename. The file it was to replace is whatever the rename last left (the old version, or none):
 * its own rules judge that; this file is only lost space.
 */
public final class AtomicWriteLeftoverRule implements StoreRule {
    @Override
    public void check(CheckContext ctx) {
        for (Path p : ctx.store().atomicWriteTmp()) {
            LeftoverRules.leftover(ctx, FindingCode.ATOMIC_WRITE_LEFTOVER, p, "temp file of an interrupted atomic write by dockerd:");
        }
    }
}
