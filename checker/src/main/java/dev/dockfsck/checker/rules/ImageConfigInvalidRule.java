package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.image.Image;

/**
 * {@code IMAGE_CONFIG_INVALID}: the config is empty, cut off, not JSON, has no rootfs, or its bytes
 * do not hash to the image ID that names it ("failed to verify").
 */
public final class ImageConfigInvalidRule implements ImageRule {
    @Override
    public void check(Image image, CheckContext ctx) {
        image.config().failure().ifPresent(d -> ctx.report(FindingCode.IMAGE_CONFIG_INVALID, Subject.image(image.id()),
                d.path(), "image " + image.id().shortHex() + " config: " + d.describe(),
                evidence("defect", d.kind().name().toLowerCase(java.util.Locale.ROOT), "detail", d.detail())));
    }
}
