package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;

/**
 * {@code REPOSITORIES_INVALID}: {@code repositories.json} exists but is empty, cut off, garbage,
 * or of the wrong shape; dockerd refuses to start. (A missing file is fine: dockerd creates it.)
 */
public final class RepositoriesInvalidRule implements StoreRule {
    @Override
    public void check(CheckContext ctx) {
        var repos = ctx.store().repositories();
        repos.references().failure().filter(d -> d.kind() != dev.dockfsck.model.Defect.Kind.MISSING).ifPresent(d -> {
            String rel = ctx.rel(repos.path());
            ctx.report(FindingCode.REPOSITORIES_INVALID, Subject.path(rel), repos.path(),
                    "repositories.json is " + d.describe(),
                    evidence("defect", d.kind().name().toLowerCase(java.util.Locale.ROOT), "detail", d.detail()));
        });
    }
}
