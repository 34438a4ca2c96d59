package dev.dockfsck.repair.plan;

import dev.dockfsck.model.Digest;
import dev.dockfsck.repair.apply.ApplyContext;
import dev.dockfsck.repair.restore.PendingRestore;
import java.io.IOException;
import java.util.List;

/**
 * Records, in the state dir's {@code pending-restore.json}, the images this repair removes, so
 * {@code dockfsck restore --pending} re-injects exactly them. Runs first, so the record survives
 * a crash in the middle of the removals.
 */
public record RecordPendingRestore(List<Image> images, List<String> reasons) implements Action {
    /** One removed image: its first tag (or its ID when untagged), ID, every tag, app ("" when unknown). */
    public record Image(String name, String imageId, List<String> tags, String app) {
        public Image {
            tags = tags == null ? List.of() : List.copyOf(tags);
            app = app == null ? "" : app;
        }
    }

    @Override
    public String describe() {
        return "record " + images.size() + " image(s) to restore in " + PendingRestore.FILE_NAME;
    }

    @Override
    public long apply(ApplyContext ctx) throws IOException {
        new PendingRestore(ctx.stateDir()).add(images.stream()
                .map(i -> new PendingRestore.Entry(i.name(), Digest.parse(i.imageId()), i.tags(), i.app())).toList());
        return 0;
    }
}
