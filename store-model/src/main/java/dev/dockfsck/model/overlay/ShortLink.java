package dev.dockfsck.model.overlay;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One entry of {@code overlay2/l/}: normally a symlink {@code <26 chars> -> ../<id>/diff}.
 *
 * @param target the raw link text, empty when the entry is not a symlink
 */
public record ShortLink(String name, Path path, Optional<String> target) {
    /** The overlay2 dir id this link points into, when it has the form {@code ../<id>/diff}. */
    public Optional<String> targetDirId() {
        return target.flatMap(t -> {
            String prefix = "../";
            String suffix = "/diff";
            if (t.startsWith(prefix) && t.endsWith(suffix) && t.length() > prefix.length() + suffix.length()) {
                String id = t.substring(prefix.length(), t.length() - suffix.length());
                return id.contains("/") || id.equals("..") || id.equals(".") ? Optional.empty() : Optional.of(id);
            }
            return Optional.empty();
        });
    }
}
