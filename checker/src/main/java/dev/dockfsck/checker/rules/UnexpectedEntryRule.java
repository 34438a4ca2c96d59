package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.store.StrayEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code UNEXPECTED_ENTRY}: something in a directory dockerd owns that dockerd would not have
 * written there (a name that is no id, a symlink, a file where a dir belongs) or that cannot be
 * listed. Never followed, never read.
 */
public final class UnexpectedEntryRule implements StoreRule {
    @Override
    public void check(CheckContext ctx) {
        List<StrayEntry> all = new ArrayList<>(ctx.store().strays());
        all.addAll(ctx.store().layerDb().strays());
        all.addAll(ctx.store().overlay2().strays());
        all.addAll(ctx.store().imageDb().strays());
        for (StrayEntry s : all) {
            String rel = ctx.rel(s.path());
            ctx.report(FindingCode.UNEXPECTED_ENTRY, Subject.path(rel), s.path(), rel + ": " + s.defect().describe(),
                    evidence("defect", s.defect().kind().name().toLowerCase(java.util.Locale.ROOT), "detail", s.defect().detail()));
        }
    }
}
