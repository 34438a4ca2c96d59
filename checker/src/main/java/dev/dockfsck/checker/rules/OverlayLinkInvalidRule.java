package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Severity;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.overlay.OverlayDir;

/**
 * {@code OVERLAY_LINK_INVALID}: {@code link} is missing, empty, or not a 26-character short id. An
 * error on a layer (what is created on it gets a broken lower); a warning on a container's init or
 * RW dir, which nothing is created on.
 */
public final class OverlayLinkInvalidRule implements OverlayRule {
    @Override
    public void check(OverlayOwner owner, OverlayDir dir, CheckContext ctx) {
        dir.link().failure().ifPresent(d -> {
            var evidence = evidence("cache_dir", dir.id(), "defect", d.kind().name().toLowerCase(java.util.Locale.ROOT),
                    "detail", d.detail());
            if (owner.subject().kind() == Subject.Kind.CONTAINER) {
                // nothing is ever created on a container's init or RW dir, and the lower that names the
                // init dir was written long ago: the container runs (observed); dockerd only refuses to
                // remove the dir's l/ entry when the container is removed ("refusing to remove empty link")
                ctx.add(Finding.of(FindingCode.OVERLAY_LINK_INVALID, owner.subject(), ctx.rel(d.path()),
                        owner.what() + ": overlay2/" + dir.id() + "/link is " + d.describe()
                                + " (the container still runs; its l/ entry would leak on removal)", evidence)
                        .withSeverity(Severity.WARNING));
            } else {
                ctx.report(FindingCode.OVERLAY_LINK_INVALID, owner.subject(), d.path(),
                        owner.what() + ": overlay2/" + dir.id() + "/link is " + d.describe(), evidence);
            }
        });
    }
}
