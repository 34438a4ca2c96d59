package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.fs.StoreFiles;
import java.nio.file.Path;

/** Shared shape of the leftover rules: a path dockerd never cleans, reported with its bytes. */
final class LeftoverRules {
    private LeftoverRules() {
    }

    static void leftover(CheckContext ctx, FindingCode code, Path p, String what) {
        long bytes = StoreFiles.diskUsage(p);
        String rel = ctx.rel(p);
        ctx.report(code, Subject.path(rel), p, what + " " + rel + " (" + bytes + " bytes)", evidence("bytes", bytes));
    }
}
