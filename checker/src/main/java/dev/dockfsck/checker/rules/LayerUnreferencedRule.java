package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.image.Image;
import dev.dockfsck.model.layer.Layer;
import dev.dockfsck.model.layer.Mount;
import dev.dockfsck.model.appstore.StoreImage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code LAYER_UNREFERENCED}: no image chain and no container stands on the layer. Typical after a
 * power cut between a layer's registration and its image's tag; the next load reuses it unchecked,
 * so it is reported (info) and verified like any other.
 */
public final class LayerUnreferencedRule implements StoreRule {
    @Override
    public void check(CheckContext ctx) {
        Set<Digest> used = new HashSet<>();
        for (Image image : ctx.store().imageDb().images().values()) {
            image.config().optional().ifPresent(cfg -> used.addAll(cfg.chainIds()));
        }
        for (Mount m : ctx.store().layerDb().mounts().values()) {
            Digest top = m.parent().optional().orElse(null);
            Set<Digest> seen = new HashSet<>();
            while (top != null && seen.add(top)) {
                used.add(top);
                top = ctx.layer(top).flatMap(l -> l.parent().optional()).orElse(null);
            }
        }
        for (Layer l : ctx.store().layerDb().layers().values()) {
            if (used.contains(l.chainId())) {
                continue;
            }
            // a re-load reuses it: what it then creates on the layer is broken too
            boolean damaged = ctx.isDamaged(Subject.layer(l.chainId())) || ctx.isSpoiledForNew(Subject.layer(l.chainId()));
            List<String> breaks = damaged ? reloadBreaks(l.chainId(), ctx) : List.of();
            String msg = "layer " + l.chainId().shortHex() + " is used by no image or container"
                    + (!damaged ? "" : breaks.isEmpty() ? "; it is damaged, and a re-load of any image on it would reuse it"
                    : "; it is damaged, and re-loading " + String.join(", ", breaks) + " would reuse it");
            ctx.report(FindingCode.LAYER_UNREFERENCED, Subject.layer(l.chainId()), l.dir(), msg,
                    evidence("size", l.size().optional().orElse(-1L), "damaged", damaged, "reload_would_break", breaks));
        }
    }

    /** The app-store images whose layer chain contains this chainID (they would reuse the layer on load). */
    private static List<String> reloadBreaks(Digest chainId, CheckContext ctx) {
        List<String> out = new ArrayList<>();
        ctx.appStore().ifPresent(store -> {
            for (StoreImage i : store.images()) {
                if (i.chainIds().contains(chainId)) {
                    out.add(i.names().isEmpty() ? i.key() : i.names().get(0));
                }
            }
        });
        return out.stream().distinct().sorted().toList();
    }
}
