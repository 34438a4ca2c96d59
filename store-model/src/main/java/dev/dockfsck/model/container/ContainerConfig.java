package dev.dockfsck.model.container;

import java.util.Optional;

/**
 * What dockfsck needs of {@code containers/<id>/config.v2.json}.
 *
 * @param image  the {@code Image} field as written (an image ID, normally {@code sha256:<hex>})
 * @param name   the {@code Name} field ({@code /name})
 * @param driver the {@code Driver} field (graph driver)
 * @param imageName the {@code Config.Image} field: what the user asked for ({@code repo:tag})
 */
public record ContainerConfig(String image, String name, String driver, Optional<String> imageName,
                              boolean running) {
}
