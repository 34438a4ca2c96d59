package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Severity;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.overlay.OverlayDir;
import dev.dockfsck.model.overlay.ShortLink;

/**
 * {@code overlay2/l/} entries that do not point where they must: {@code OVERLAY_SYMLINK_WRONG}
 * (error) for the entry of a dir in use that points at another dir's files, at nothing, or is not
 * a symbolic link (subject = the dir's layer or container: mounts naming it get the wrong files);
 * {@code OVERLAY_SYMLINK_DANGLING} (warning) for an entry pointing at no existing dir at all that
 * no dir in use names (a leftover, subject = the path). No power cut leaves a symlink pointing
 * elsewhere (symlinks are created whole): the first means tampering or file-system damage.
 */
public final class OverlaySymlinkDanglingRule implements OverlayRule, StoreRule {
    @Override
    public void check(OverlayOwner owner, OverlayDir dir, CheckContext ctx) {
        dir.link().optional().map(link -> ctx.store().overlay2().links().get(link)).ifPresent(sl -> {
            String expected = "../" + dir.id() + "/diff";
            if (sl.target().isEmpty() || !sl.target().get().equals(expected)) {
                ctx.report(FindingCode.OVERLAY_SYMLINK_WRONG, owner.subject(), sl.path(),
                        owner.what() + ": overlay2/l/" + sl.name() + " " + describe(sl) + ", not at " + expected,
                        evidence("link", sl.name(), "target", sl.target().orElse(""), "expected", expected));
            }
        });
    }

    /** l/ entries whose target dir does not exist (run after the per-dir check: those it named are not leftovers). */
    @Override
    public void check(CheckContext ctx) {
        java.util.Set<Object> namedByADirInUse = new java.util.HashSet<>();
        for (dev.dockfsck.checker.Finding f : ctx.findings()) {
            if (f.code() == FindingCode.OVERLAY_SYMLINK_WRONG) {
                namedByADirInUse.add(f.evidence().get("link"));
            }
        }
        for (ShortLink sl : ctx.store().overlay2().links().values()) {
            boolean points = sl.targetDirId().flatMap(id -> ctx.store().overlay2().dir(id)).isPresent();
            if (!points && !namedByADirInUse.contains(sl.name())) {
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
