package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.image.Image;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code IMAGE_LAYER_MISSING}: the image's layer chain (from {@code rootfs.diff_ids}) is not fully
 * registered and healthy; dockerd drops the image at start.
 */
public final class ImageLayerMissingRule implements ImageRule {
    @Override
    public void check(Image image, CheckContext ctx) {
        image.config().optional().ifPresent(cfg -> {
            List<String> missing = new ArrayList<>();
            List<String> damaged = new ArrayList<>();
            for (Digest chainId : cfg.chainIds()) {
                if (ctx.layer(chainId).isEmpty()) {
                    missing.add(chainId.toString());
                } else if (ctx.isDamaged(Subject.layer(chainId))) {
                    damaged.add(chainId.toString());
                }
            }
            if (!missing.isEmpty() || !damaged.isEmpty()) {
                String what = !missing.isEmpty() ? missing.size() + " of its " + cfg.diffIds().size() + " layers not registered"
                        : "damaged layer " + Digest.parse(damaged.get(0)).shortHex()
                        + (damaged.size() > 1 ? " and " + (damaged.size() - 1) + " more" : "");
                ctx.report(FindingCode.IMAGE_LAYER_MISSING, Subject.image(image.id()), image.path(),
                        "image " + image.id().shortHex() + ": " + what,
                        evidence("missing_layers", missing, "damaged_layers", damaged));
            }
        });
    }
}
