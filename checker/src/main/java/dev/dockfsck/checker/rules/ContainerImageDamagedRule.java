package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.container.Container;
import dev.dockfsck.model.layer.Mount;

/**
 * {@code CONTAINER_IMAGE_DAMAGED}: the container's image is missing or damaged, or the layer its RW
 * layer stands on (the mount's {@code parent}) is.
 */
public final class ContainerImageDamagedRule implements ContainerRule {
    @Override
    public void check(Container c, CheckContext ctx) {
        c.config().optional().ifPresent(cfg -> {
            var imageId = Digest.tryParse(cfg.image());
            String problem = null;
            if (imageId.isEmpty()) {
                problem = "its image ID " + dev.dockfsck.model.Texts.quote(cfg.image()) + " is not valid";
            } else if (ctx.store().imageDb().image(imageId.get()).isEmpty()) {
                problem = "its image " + imageId.get().shortHex() + " is not in the store";
            } else if (ctx.isDamaged(Subject.image(imageId.get()))) {
                problem = "its image " + imageId.get().shortHex() + " is damaged";
            } else {
                Mount m = ctx.store().layerDb().mounts().get(c.id());
                Digest parent = m == null ? null : m.parent().optional().orElse(null);
                if (parent != null && (ctx.layer(parent).isEmpty() || ctx.isDamaged(Subject.layer(parent)))) {
                    problem = "the layer it stands on, " + parent.shortHex() + ", is "
                            + (ctx.layer(parent).isEmpty() ? "not registered" : "damaged");
                }
            }
            if (problem != null) {
                ctx.report(FindingCode.CONTAINER_IMAGE_DAMAGED, Subject.container(c.id()), c.dir().resolve(
                                dev.dockfsck.model.container.Container.CONFIG),
                        "container " + c.id().substring(0, 12) + " " + cfg.name() + ": " + problem,
                        evidence("image", cfg.image(), "image_name", cfg.imageName().orElse("")));
            }
        });
    }
}
