package dev.dockfsck.repair.plan;

import dev.dockfsck.repair.apply.ApplyContext;
import java.io.IOException;
import java.util.List;

/** (Re)creates an overlay2 short link {@code l/<id> -> ../<cache-id>/diff}, atomically. */
public record Symlink(String path, String target, List<String> reasons) implements Action {
    @Override
    public String describe() {
        return "link " + path + " -> " + target;
    }

    @Override
    public long apply(ApplyContext ctx) throws IOException {
        ctx.fs().symlink(path, target);
        return 0;
    }
}
