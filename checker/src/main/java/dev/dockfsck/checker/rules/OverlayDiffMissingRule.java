package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.overlay.OverlayDir;

/** {@code OVERLAY_DIFF_MISSING}: the dir has no {@code diff/} directory (missing, a file, or a link). */
public final class OverlayDiffMissingRule implements OverlayRule {
    @Override
    public void check(OverlayOwner owner, OverlayDir dir, CheckContext ctx) {
        if (dir.diff() != FileKind.DIRECTORY) {
            String found = dir.diff().name().toLowerCase(java.util.Locale.ROOT);
            ctx.report(FindingCode.OVERLAY_DIFF_MISSING, owner.subject(), dir.diffDir(),
                    owner.what() + ": overlay2/" + dir.id() + "/diff is " + (dir.diff() == FileKind.MISSING ? "missing" : "a " + found),
                    evidence("cache_dir", dir.id(), "found", found));
        }
    }
}
