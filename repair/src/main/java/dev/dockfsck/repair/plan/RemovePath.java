package dev.dockfsck.repair.plan;

import dev.dockfsck.repair.apply.ApplyContext;
import java.io.IOException;
import java.util.List;

/** Removes a file or tree under the root without following links: leftovers, image configs, links. */
public record RemovePath(String path, List<String> reasons) implements Action {
    @Override
    public String describe() {
        return "remove " + path;
    }

    @Override
    public long apply(ApplyContext ctx) throws IOException {
        return ctx.fs().removeTree(path);
    }
}
