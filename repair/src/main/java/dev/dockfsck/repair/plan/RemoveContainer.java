package dev.dockfsck.repair.plan;

import dev.dockfsck.repair.apply.ApplyContext;
import java.io.IOException;
import java.util.List;

/**
 * Removes a container and its RW layer: only planned with {@code --force}. Order: its layerdb mount
 * record first (dockerd then no longer knows the RW layer), the RW and init overlay2 dirs and
 * their links, then {@code containers/<id>}.
 */
public record RemoveContainer(String id, List<String> paths, List<String> reasons) implements Action {
    @Override
    public String describe() {
        return "remove container " + id + " and its read-write layer (--force)";
    }

    @Override
    public long apply(ApplyContext ctx) throws IOException {
        long freed = 0;
        for (String p : paths) {
            freed += ctx.fs().removeTree(p);
        }
        return freed;
    }
}
