package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.model.overlay.OverlayDir;

/** {@code OVERLAY_LINK_INVALID}: {@code link} is missing, empty, or not a 26-character short id. */
public final class OverlayLinkInvalidRule implements OverlayRule {
    @Override
    public void check(OverlayOwner owner, OverlayDir dir, CheckContext ctx) {
        dir.link().failure().ifPresent(d -> ctx.report(FindingCode.OVERLAY_LINK_INVALID, owner.subject(), d.path(),
                owner.what() + ": overlay2/" + dir.id() + "/link is " + d.describe(),
                evidence("cache_dir", dir.id(), "defect", d.kind().name().toLowerCase(java.util.Locale.ROOT),
                        "detail", d.detail())));
    }
}
