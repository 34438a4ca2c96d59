package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.model.overlay.OverlayDir;
import dev.dockfsck.model.overlay.Overlay2Reader;

/** {@code OVERLAY_SYMLINK_MISSING}: the dir's valid {@code link} names no entry in {@code overlay2/l/}. */
public final class OverlaySymlinkMissingRule implements OverlayRule {
    @Override
    public void check(OverlayOwner owner, OverlayDir dir, CheckContext ctx) {
        dir.link().optional().filter(link -> !ctx.store().overlay2().links().containsKey(link)).ifPresent(link ->
                ctx.report(FindingCode.OVERLAY_SYMLINK_MISSING, owner.subject(),
                        dir.dir().getParent().resolve(Overlay2Reader.LINK_DIR).resolve(link),
                        owner.what() + ": overlay2/l/" + link + " is missing",
                        evidence("link", link, "cache_dir", dir.id())));
    }
}
