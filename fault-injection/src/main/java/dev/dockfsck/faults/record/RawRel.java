package dev.dockfsck.faults.record;

import dev.dockfsck.model.fs.RawPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Recorded paths are byte strings (ISO-8859-1, one char a byte): this resolves them with their exact bytes. */
public final class RawRel {
    private RawRel() {
    }

    public static Path resolve(Path root, String rel) {
        Path p = root;
        for (String name : rel.split("/")) {
            if (!name.isEmpty()) {
                p = RawPaths.child(p, name.getBytes(StandardCharsets.ISO_8859_1)).path();
            }
        }
        return p;
    }

    /** the path as text (undecodable bytes shown as U+FFFD) */
    public static String display(String rel) {
        return new String(rel.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }
}
