package dev.dockfsck.checker.rules;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.model.container.Container;

/** A rule about one container, run after every image rule. */
public interface ContainerRule {
    void check(Container container, CheckContext ctx);
}
