package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.container.Container;

/** {@code CONTAINER_CONFIG_INVALID}: {@code config.v2.json} is missing, empty, cut off or not a container config. */
public final class ContainerConfigInvalidRule implements ContainerRule {
    @Override
    public void check(Container c, CheckContext ctx) {
        c.config().failure().ifPresent(d -> ctx.report(FindingCode.CONTAINER_CONFIG_INVALID, Subject.container(c.id()),
                d.path(), "container " + c.id().substring(0, 12) + " config.v2.json: " + d.describe(),
                evidence("defect", d.kind().name().toLowerCase(java.util.Locale.ROOT), "detail", d.detail())));
    }
}
