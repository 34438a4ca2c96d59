package dev.dockfsck.model.container;

import dev.dockfsck.model.Parsed;
import java.nio.file.Path;

/**
 * One {@code containers/<id>/} directory.
 *
 * @param hostConfig whether {@code hostconfig.json} is there (dockerd takes a missing one as the
 *                   defaults); a defect when it is there but dockerd could not decode it
 */
public record Container(String id, Path dir, Parsed<ContainerConfig> config, Parsed<Boolean> hostConfig) {
    public static final String CONFIG = "config.v2.json";
    public static final String HOST_CONFIG = "hostconfig.json";

    /** A container whose {@code hostconfig.json} is absent. */
    public Container(String id, Path dir, Parsed<ContainerConfig> config) {
        this(id, dir, config, Parsed.ok(false));
    }
}
