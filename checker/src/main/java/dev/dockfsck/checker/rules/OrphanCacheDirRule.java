package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.fs.StoreFiles;
import dev.dockfsck.model.layer.Layer;
import dev.dockfsck.model.layer.Mount;
import dev.dockfsck.model.overlay.OverlayDir;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code ORPHAN_CACHE_DIR}: an overlay2 dir that no layer's cache-id and no container's mount-id or
 * init-id names, and that no other dir's {@code lower} stands on: an interrupted extraction
 * (or a layer whose layerdb entry was lost). Reports its bytes.
 *
 * <p>A container's RW dir holds the container's own files, so it is never offered up as a
 * leftover while a container may own it: a mount record's {@code init-id} ({@code <X>-init})
 * names the RW dir {@code X} too (its {@code mount-id} may be what was lost), and while some
 * container has no usable mount record at all, no container-shaped dir ({@code X} beside
 * {@code X-init}) is reported: it may be that container's.
 */
public final class OrphanCacheDirRule implements StoreRule {
    @Override
    public void check(CheckContext ctx) {
        Set<String> used = new HashSet<>();
        for (Layer l : ctx.store().layerDb().layers().values()) {
            l.cacheId().optional().ifPresent(used::add);
        }
        for (Mount m : ctx.store().layerDb().mounts().values()) {
            m.mountId().optional().ifPresent(id -> {
                used.add(id);
                used.add(id + OverlayDir.INIT_SUFFIX);
            });
            m.initId().optional().ifPresent(id -> {
                used.add(id);
                if (id.endsWith(OverlayDir.INIT_SUFFIX)) {
                    used.add(id.substring(0, id.length() - OverlayDir.INIT_SUFFIX.length()));
                }
            });
        }
        boolean someContainerLacksItsRecord = ctx.store().containers().keySet().stream().anyMatch(id -> {
            Mount m = ctx.store().layerDb().mounts().get(id);
            return m == null || m.namesNoDir();
        });
        Set<String> lowerLinks = new HashSet<>();
        for (OverlayDir d : ctx.store().overlay2().dirs().values()) {
            for (String entry : d.lower().optional().orElse(List.of())) {
                if (entry.startsWith("l/")) {
                    lowerLinks.add(entry.substring(2));
                }
            }
        }
        for (OverlayDir d : ctx.store().overlay2().dirs().values()) {
            if (used.contains(d.id())) {
                continue;
            }
            if (someContainerLacksItsRecord && ctx.store().overlay2().containerShaped(d)) {
                continue;
            }
            boolean standsUnderAnother = d.link().optional().filter(lowerLinks::contains).isPresent();
            if (standsUnderAnother && ctx.layerOfCacheDir(d.id()).isEmpty()) {
                // a lower of something else: a layer whose cache-id was lost, reported on that layer
                continue;
            }
            long bytes = StoreFiles.diskUsage(d.dir());
            String rel = ctx.rel(d.dir());
            ctx.report(FindingCode.ORPHAN_CACHE_DIR, Subject.path(rel), d.dir(),
                    "overlay2/" + d.id() + " is used by no layer or container (" + bytes + " bytes)",
                    evidence("bytes", bytes, "cache_dir", d.id()));
        }
    }
}
