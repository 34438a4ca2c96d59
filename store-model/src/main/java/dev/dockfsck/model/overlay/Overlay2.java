package dev.dockfsck.model.overlay;

import dev.dockfsck.model.store.StrayEntry;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Everything under {@code overlay2/}: its dirs by id and its {@code l/} links by name, sorted. */
public record Overlay2(Map<String, OverlayDir> dirs, Map<String, ShortLink> links, List<StrayEntry> strays) {
    public Overlay2 {
        dirs = dev.dockfsck.model.SortedMaps.sortedCopy(dirs);
        links = dev.dockfsck.model.SortedMaps.sortedCopy(links);
        strays = List.copyOf(strays);
    }

    public Optional<OverlayDir> dir(String id) {
        return Optional.ofNullable(dirs.get(id));
    }

    /**
     * A container's init dir ({@code X-init}) or RW dir ({@code X} beside {@code X-init}): the
     * shape dockerd's layer store gives a container's two dirs, never an image layer's.
     */
    public boolean containerShaped(OverlayDir d) {
        return d.id().endsWith(OverlayDir.INIT_SUFFIX) || dirs.containsKey(d.id() + OverlayDir.INIT_SUFFIX);
    }

    /** True for the 26 characters [A-Z0-9] overlay2 uses for short link names. */
    public static boolean isShortLinkName(String s) {
        if (s == null || s.length() != 26) {
            return false;
        }
        for (int i = 0; i < 26; i++) {
            char c = s.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }
}
