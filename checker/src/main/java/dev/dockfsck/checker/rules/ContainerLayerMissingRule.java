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
 * is missing or broken, its RW or init overlay2 dir does not exist, or the RW dir has no
 * {@code work/} (overlay's workdir: "error creating overlay mount ... no such file or directory"). A missing {@code init-id}
 * alone is not damage: dockerd loads the mount without an init layer and the container starts.
 * A missing {@code parent} is not either: dockerd loads the mount without a parent and the
 * container starts, its RW dir's {@code lower} naming the image's layers (observed with dockerd
 * 20.10.24); the checks of the container's dirs then take the image's top layer for its parent.
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
        // a missing init-id is read by dockerd as "no init layer" (GetInitID returns ""): the container
        // still starts, its RW dir's lower names the init dir; only an unreadable or bad one breaks it
        m.initId().failure().filter(d -> d.kind() != dev.dockfsck.model.Defect.Kind.MISSING).ifPresent(d -> ctx.report(FindingCode.CONTAINER_LAYER_MISSING, s, d.path(),
                who + " init-id: " + d.describe(), evidence("file", Mount.INIT_ID, "defect", d.kind().name().toLowerCase(java.util.Locale.ROOT))));
        m.parent().failure().filter(d -> d.kind() != dev.dockfsck.model.Defect.Kind.MISSING).ifPresent(d ->
                ctx.report(FindingCode.CONTAINER_LAYER_MISSING, s, d.path(), who + " parent: " + d.describe(),
                        evidence("file", Mount.PARENT, "defect", d.kind().name().toLowerCase(java.util.Locale.ROOT))));
        Path overlay = ctx.store().root().resolve(ctx.store().driver());
        // the RW dir is mounted as upperdir with workdir <mount-id>/work: without it the mount fails
        m.mountId().optional().flatMap(id -> ctx.store().overlay2().dir(id)).filter(dir -> !dir.work()).ifPresent(dir ->
                ctx.report(FindingCode.CONTAINER_LAYER_MISSING, s, dir.dir().resolve(dev.dockfsck.model.overlay.OverlayDir.WORK),
                        who + ": overlay2/" + dir.id() + "/work is missing: the RW layer cannot be mounted",
                        evidence("cache_dir", dir.id(), "missing", dev.dockfsck.model.overlay.OverlayDir.WORK)));
        for (var id : new java.util.ArrayList<>(java.util.List.of(m.mountId(), m.initId()))) {
            id.optional().filter(dir -> ctx.store().overlay2().dir(dir).isEmpty()).ifPresent(dir ->
                    ctx.report(FindingCode.CONTAINER_LAYER_MISSING, s, overlay.resolve(dir),
                            who + ": overlay2/" + dir + " does not exist", evidence("cache_dir", dir)));
        }
    }
}
