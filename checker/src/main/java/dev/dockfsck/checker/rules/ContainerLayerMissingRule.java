package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.container.Container;
import dev.dockfsck.model.layer.Mount;
import java.nio.file.Path;

/**
 * {@code CONTAINER_LAYER_MISSING}: the container's RW layer record ({@code layerdb/mounts/<id>})
 * is missing or broken, or its RW or init overlay2 dir does not exist.
 */
public final class ContainerLayerMissingRule implements ContainerRule {
    @Override
    public void check(Container c, CheckContext ctx) {
        Subject s = Subject.container(c.id());
        String who = "container " + c.id().substring(0, 12);
        Mount m = ctx.store().layerDb().mounts().get(c.id());
        Path mounts = ctx.store().imageDir().resolve("layerdb").resolve("mounts").resolve(c.id());
        if (m == null) {
            ctx.report(FindingCode.CONTAINER_LAYER_MISSING, s, mounts, who + " has no RW layer record", evidence("missing", "mounts/" + c.id()));
            return;
        }
        m.mountId().failure().ifPresent(d -> ctx.report(FindingCode.CONTAINER_LAYER_MISSING, s, d.path(),
                who + " mount-id: " + d.describe(), evidence("file", Mount.MOUNT_ID, "defect", d.kind().name().toLowerCase(java.util.Locale.ROOT))));
        m.initId().failure().ifPresent(d -> ctx.report(FindingCode.CONTAINER_LAYER_MISSING, s, d.path(),
                who + " init-id: " + d.describe(), evidence("file", Mount.INIT_ID, "defect", d.kind().name().toLowerCase(java.util.Locale.ROOT))));
        m.parent().failure().filter(d -> d.kind() != dev.dockfsck.model.Defect.Kind.MISSING).ifPresent(d ->
                ctx.report(FindingCode.CONTAINER_LAYER_MISSING, s, d.path(), who + " parent: " + d.describe(),
                        evidence("file", Mount.PARENT, "defect", d.kind().name().toLowerCase(java.util.Locale.ROOT))));
        Path overlay = ctx.store().root().resolve(ctx.store().driver());
        for (var id : new java.util.ArrayList<>(java.util.List.of(m.mountId(), m.initId()))) {
            id.optional().filter(dir -> ctx.store().overlay2().dir(dir).isEmpty()).ifPresent(dir ->
                    ctx.report(FindingCode.CONTAINER_LAYER_MISSING, s, overlay.resolve(dir),
                            who + ": overlay2/" + dir + " does not exist", evidence("cache_dir", dir)));
        }
    }
}
