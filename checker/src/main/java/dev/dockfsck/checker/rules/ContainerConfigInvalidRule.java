package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.container.Container;

/**
 * {@code CONTAINER_CONFIG_INVALID}: {@code config.v2.json} is missing, empty, cut off or not a
 * container config, or {@code hostconfig.json} is there but empty, cut off or not a JSON object:
 * dockerd's {@code FromDisk} fails on either and the container is not loaded.
 */
public final class ContainerConfigInvalidRule implements ContainerRule {
    @Override
    public void check(Container c, CheckContext ctx) {
        c.config().failure().ifPresent(d -> report(c, Container.CONFIG, d, ctx));
        c.hostConfig().failure().ifPresent(d -> report(c, Container.HOST_CONFIG, d, ctx));
    }

    private static void report(Container c, String file, dev.dockfsck.model.Defect d, CheckContext ctx) {
        ctx.report(FindingCode.CONTAINER_CONFIG_INVALID, Subject.container(c.id()), d.path(),
                "container " + c.id().substring(0, 12) + " " + file + ": " + d.describe(),
                evidence("file", file, "defect", d.kind().name().toLowerCase(java.util.Locale.ROOT), "detail", d.detail()));
    }
}
