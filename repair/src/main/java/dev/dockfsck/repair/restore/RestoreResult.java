package dev.dockfsck.repair.restore;

import java.util.List;
import java.util.Objects;

/**
 * What happened to one image.
 *
 * @param image   the image's first name (or the requested name / store key when it has none)
 * @param tags    every name it was (or would have been) tagged with
 * @param apps    the apps it belongs to
 * @param imageId the image ID it has in dockerd ("" when unknown)
 * @param status  restored, skipped because present, or failed
 * @param reason  one line for a person: why it failed or was skipped, or what was done
 */
public record RestoreResult(String image, List<String> tags, List<String> apps, String imageId, Status status,
                            String reason) {
    public enum Status { RESTORED, SKIPPED_PRESENT, FAILED }

    public RestoreResult {
        Objects.requireNonNull(image, "image");
        tags = List.copyOf(tags);
        apps = List.copyOf(apps);
        imageId = imageId == null ? "" : imageId;
        Objects.requireNonNull(status, "status");
        reason = reason == null ? "" : reason;
    }

    public boolean ok() {
        return status != Status.FAILED;
    }
}
