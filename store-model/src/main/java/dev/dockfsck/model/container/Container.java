package dev.dockfsck.model.container;

import dev.dockfsck.model.Parsed;
import java.nio.file.Path;

/** One {@code containers/<id>/} directory. */
public record Container(String id, Path dir, Parsed<ContainerConfig> config) {
    public static final String CONFIG = "config.v2.json";
}
