package dev.dockfsck.model.layer;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.Parsed;
import java.nio.file.Path;

/**
 * A container's read-write layer: {@code image/overlay2/layerdb/mounts/<containerID>/}.
 *
 * @param containerId the container's id (the directory name)
 * @param mountId     {@code mount-id}: the overlay2 dir of the RW layer
 * @param initId      {@code init-id}: the overlay2 dir of the init layer ({@code <mount-id>-init})
 * @param parent      {@code parent}: the chainID of the image's top layer (missing for an image
 *                    with no layers)
 */
public record Mount(String containerId, Path dir, Parsed<String> mountId, Parsed<String> initId,
                    Parsed<Digest> parent) {
    public static final String MOUNT_ID = "mount-id";
    public static final String INIT_ID = "init-id";
    public static final String PARENT = "parent";

    /** Neither {@code mount-id} nor {@code init-id} is readable: the record names none of its overlay2 dirs. */
    public boolean namesNoDir() {
        return mountId.optional().isEmpty() && initId.optional().isEmpty();
    }
}
