package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.model.overlay.OverlayDir;
import java.util.List;

/**
 * {@code OVERLAY_LOWER_INVALID}: {@code lower} is missing, empty, or does not list the parent
 * chain's links ({@code l/<parent link>:l/<grandparent link>:...}); or a base layer has one.
 */
public final class OverlayLowerInvalidRule implements OverlayRule {
    @Override
    public void check(OverlayOwner owner, OverlayDir dir, CheckContext ctx) {
        if (owner.expectedLower().isEmpty()) {
            // a link of the parent chain is invalid, so the right lower is known only once that is
            // repaired; a dir with a parent needs a readable, non-empty lower whatever it should say
            dir.lower().failure().ifPresent(d -> ctx.report(FindingCode.OVERLAY_LOWER_INVALID, owner.subject(),
                    dir.dir().resolve(OverlayDir.LOWER), owner.what() + ": overlay2/" + dir.id() + "/lower is " + d.describe(),
                    evidence("cache_dir", dir.id(), "defect", d.kind().name().toLowerCase(java.util.Locale.ROOT),
                            "expected", "", "detail", "a link of the parent chain is invalid: the expected lower follows its repair")));
            return;
        }
        List<String> expected = owner.expectedLower().get();
        String expectedText = String.join(":", expected);
        var path = dir.dir().resolve(OverlayDir.LOWER);
        if (expected.isEmpty()) {
            if (!dir.lower().isMissing()) {
                ctx.report(FindingCode.OVERLAY_LOWER_INVALID, owner.subject(), path,
                        owner.what() + " is a base layer but overlay2/" + dir.id() + "/lower exists",
                        evidence("cache_dir", dir.id(), "expected", "", "found",
                                dir.lower().optional().map(l -> String.join(":", l)).orElse("(unreadable)")));
            }
            return;
        }
        dir.lower().failure().ifPresentOrElse(
                d -> ctx.report(FindingCode.OVERLAY_LOWER_INVALID, owner.subject(), path,
                        owner.what() + ": overlay2/" + dir.id() + "/lower is " + d.describe(),
                        evidence("cache_dir", dir.id(), "defect", d.kind().name().toLowerCase(java.util.Locale.ROOT),
                                "expected", expectedText)),
                () -> {
                    List<String> found = dir.lower().optional().orElseThrow();
                    if (!found.equals(expected)) {
                        ctx.report(FindingCode.OVERLAY_LOWER_INVALID, owner.subject(), path,
                                owner.what() + ": overlay2/" + dir.id() + "/lower does not match the parent chain",
                                evidence("cache_dir", dir.id(), "expected", expectedText, "found", String.join(":", found)));
                    }
                });
    }
}
