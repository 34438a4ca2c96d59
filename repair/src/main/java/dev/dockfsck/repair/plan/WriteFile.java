package dev.dockfsck.repair.plan;

import dev.dockfsck.repair.apply.ApplyContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Atomically (re)writes a small metadata file under the root: link, lower, size, repositories.json. */
public record WriteFile(String path, String content, List<String> reasons) implements Action {
    @Override
    public String describe() {
        return "write " + path + " (" + content.length() + " bytes)";
    }

    @Override
    public long apply(ApplyContext ctx) throws IOException {
        ctx.fs().writeAtomically(path, content.getBytes(StandardCharsets.UTF_8));
        return 0;
    }
}
