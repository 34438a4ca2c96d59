package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.StoreImage;
import dev.dockfsck.model.container.Container;
import dev.dockfsck.model.image.Reference;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code REFERENCE_LOST}: a tag the engine had, on an image it still holds, that
 * {@code repositories.json} no longer has. Only a tag the engine had evidence of is lost:
 * <ul>
 *   <li>a container's {@code Config.Image} (config.v2.json) names the tag, and the container's
 *       image is that image, and the tag names no other image (a tag moved on by {@code docker tag}
 *       is not lost);</li>
 *   <li>the engine holds the image under no name at all and the app store names it: dockerd
 *       writes an image's tags after its layers and config, so a power cut in between (or a lost
 *       {@code repositories.json}) leaves the app's image untagged.</li>
 * </ul>
 * An app-store name the engine never held is not lost when the image has other names: a device
 * loaded with {@code docker load} holds its images under their own tags, not the app store's short
 * tags ({@code host/repo:<7 hex>}). Only with {@code --app-store}. An unreadable
 * {@code repositories.json} is REPOSITORIES_INVALID, not this (repair rebuilds the names then).
 */
public final class ReferenceLostRule {
    public void check(AppStore apps, CheckContext ctx) {
        var repos = ctx.store().repositories();
        if (!repos.references().isOk() && !repos.references().isMissing()) {
            return;
        }
        Set<String> named = new HashSet<>(); // image IDs under any reference
        Map<String, String> targetOf = new LinkedHashMap<>(); // tag -> image ID
        for (Reference r : repos.references().optional().orElse(List.of())) {
            named.add(r.target());
            targetOf.put(r.ref(), r.target());
        }
        Set<String> reported = new HashSet<>();
        // 1. a container's Config.Image on that image
        for (Container c : ctx.store().containers().values()) {
            var cfg = c.config().optional();
            if (cfg.isEmpty() || cfg.get().imageName().isEmpty()) {
                continue;
            }
            Optional<Digest> id = Digest.tryParse(cfg.get().image()).filter(d -> held(d, ctx));
            String tag = Reference.familiar(cfg.get().imageName().get());
            if (id.isEmpty() || !Reference.isTag(tag) || targetOf.containsKey(tag)
                    || !reported.add(tag + " " + id.get())) {
                continue;
            }
            ctx.report(FindingCode.REFERENCE_LOST, Subject.reference(tag), repos.path(),
                    "container " + c.id().substring(0, Math.min(12, c.id().length())) + " was created from " + tag
                            + " (image " + id.get().shortHex() + "), which the engine holds without that tag",
                    evidence("image", id.get().toString(), "evidence", "container", "container", c.id(),
                            "app", "", "store", apps.root().toString()));
        }
        // 2. an image the engine holds under no name, which the app store names
        for (StoreImage image : apps.images()) {
            if (!held(image.imageId(), ctx) || named.contains(image.imageId().toString())) {
                continue; // not in the engine (restore's business), damaged (its own finding), or named
            }
            for (String name : image.names()) {
                String tag = Reference.familiar(name);
                if (!Reference.isTag(tag) || targetOf.containsKey(tag) || !reported.add(tag + " " + image.imageId())) {
                    continue;
                }
                ctx.report(FindingCode.REFERENCE_LOST, Subject.reference(tag), repos.path(),
                        "the app store names image " + image.imageId().shortHex() + " " + tag
                                + ", which the engine holds under no name at all",
                        evidence("image", image.imageId().toString(), "evidence", "untagged", "container", "",
                                "app", image.app() == null ? "" : image.app(), "store", apps.root().toString()));
            }
        }
    }

    /** The engine holds the image with a readable config. */
    private static boolean held(Digest id, CheckContext ctx) {
        return ctx.store().imageDb().image(id).flatMap(i -> i.config().optional()).isPresent();
    }
}
