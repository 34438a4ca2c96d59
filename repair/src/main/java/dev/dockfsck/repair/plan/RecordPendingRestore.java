package dev.dockfsck.repair.plan;

import dev.dockfsck.repair.apply.ApplyContext;
import dev.dockfsck.repair.apply.PendingRestoreFile;
import java.io.IOException;
import java.util.List;

/**
 * Records, in the state dir, the images this repair removes, so {@code dockfsck restore --pending}
 * re-injects exactly them. Runs first, so the record survives a crash in the middle of removals.
 */
public record RecordPendingRestore(List<PendingRestoreFile.Entry> images, List<String> reasons) implements Action {
    @Override
    public String describe() {
        return "record " + images.size() + " image(s) to restore in pending-restore.json";
    }

    @Override
    public long apply(ApplyContext ctx) throws IOException {
        PendingRestoreFile.merge(ctx.stateDir(), images);
        return 0;
    }
}
