package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Severity;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.overlay.OverlayDir;
import dev.dockfsck.model.overlay.ShortLink;

/**
 * {@code OVERLAY_SYMLINK_DANGLING}: an {@code overlay2/l/} entry that does not point at its dir's
 * {@code diff}. On a dir in use it is an error (mounts get the wrong or no layer); an {@code l/}
 * entry pointing at no existing dir at all is a leftover (warning, subject = the path).
 */
public final class OverlaySymlinkDanglingRule implements OverlayRule, StoreRule {
    @Override
    public void check(OverlayOwner owner, OverlayDir dir, CheckContext ctx) {
        dir.link().optional().map(link -> ctx.store().overlay2().links().get(link)).ifPresent(sl -> {
            String expected = "../" + dir.id() + "/diff";
            if (sl.target().isEmpty() || !sl.target().get().equals(expected)) {
                ctx.report(FindingCode.OVERLAY_SYMLINK_DANGLING, owner.subject(), sl.path(),
                        owner.what() + ": overlay2/l/" + sl.name() + " " + describe(sl) + ", not at " + expected,
                        evidence("link", sl.name(), "target", sl.target().orElse(""), "expected", expected));
            }
        });
    }

    /** l/ entries whose target dir does not exist. */
    @Override
    public void check(CheckContext ctx) {
        for (ShortLink sl : ctx.store().overlay2().links().values()) {
            boolean points = sl.targetDirId().flatMap(id -> ctx.store().overlay2().dir(id)).isPresent();
            if (!points) {
                ctx.add(dev.dockfsck.checker.Finding.of(FindingCode.OVERLAY_SYMLINK_DANGLING,
                        Subject.path(ctx.rel(sl.path())), ctx.rel(sl.path()),
                        "overlay2/l/" + sl.name() + " " + describe(sl), evidence("link", sl.name(),
                                "target", sl.target().orElse(""))).withSeverity(Severity.WARNING));
            }
        }
    }

    private static String describe(ShortLink sl) {
        return sl.target().map(t -> "points at " + t).orElse("is not a symbolic link");
    }
}
