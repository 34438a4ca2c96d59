package dev.dockfsck.model.image;

import dev.dockfsck.model.Parsed;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code image/overlay2/repositories.json}, the reference store. A missing file is fine (dockerd
 * creates it); any other defect makes dockerd refuse to start.
 */
public record Repositories(Path path, Parsed<List<Reference>> references) {
    public static final String FILE = "repositories.json";
}
