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
 * {@code diff} (subject = the dir's layer or container), or that points at no existing dir at all
 * (a leftover, subject = the path). A warning either way: no power cut leaves a symlink pointing
 * elsewhere (symlinks are created whole), so on a dir in use it means tampering or file-system
 * damage; repair recreates the link in place. That mounts naming such a link get the wrong files
 * deserves an error code of its own (a noted gap, not yet split).
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
