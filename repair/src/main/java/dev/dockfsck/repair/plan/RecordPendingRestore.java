package dev.dockfsck.repair.plan;

import dev.dockfsck.model.Digest;
import dev.dockfsck.repair.apply.ApplyContext;
import dev.dockfsck.repair.restore.PendingRestore;
import java.io.IOException;
import java.util.List;

/**
 * Records, in the state dir's {@code pending-restore.json}, the images this repair removes (and
 * those lost before it or half-loaded), so {@code dockfsck restore --pending} re-injects exactly them. Runs first, so the record survives
 * a crash in the middle of the removals.
 */
public record RecordPendingRestore(List<Image> images, List<String> reasons) implements Action {
    /**
     * One image to restore: its first tag (or its ID when untagged), ID, every tag, app ("" when
     * unknown), and why ({@code removed-by-repair}, {@code lost-before-repair},
     * {@code interrupted-load}; "" when not said).
     */
    public record Image(String name, String imageId, List<String> tags, String app, String reason) {
        public Image {
            tags = tags == null ? List.of() : List.copyOf(tags);
            app = app == null ? "" : app;
            reason = reason == null ? "" : reason;
        }

        public Image(String name, String imageId, List<String> tags, String app) {
            this(name, imageId, tags, app, "");
        }
    }

    @Override
    public String describe() {
        return "record " + images.size() + " image(s) to restore in " + PendingRestore.FILE_NAME;
    }

    @Override
    public long apply(ApplyContext ctx) throws IOException {
        new PendingRestore(ctx.stateDir()).add(images.stream()
                .map(i -> new PendingRestore.Entry(i.name(), Digest.parse(i.imageId()), i.tags(), i.app(), i.reason())).toList());
        return 0;
    }
}
