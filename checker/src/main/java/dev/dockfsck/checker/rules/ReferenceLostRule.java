package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.StoreImage;
import dev.dockfsck.model.image.Reference;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code REFERENCE_LOST}: the restorable app store names an image by a tag, the engine holds that
 * image (same image ID), but {@code repositories.json} has no such tag. dockerd writes an image's
 * tags after its layers and config, so a power cut in between, or a lost {@code repositories.json},
 * leaves the app's image untagged. Only with {@code --app-store}: without it nothing says which
 * tags an engine should have. An unreadable {@code repositories.json} is REPOSITORIES_INVALID, not this.
 */
public final class ReferenceLostRule {
    public void check(AppStore apps, CheckContext ctx) {
        var repos = ctx.store().repositories();
        if (!repos.references().isOk() && !repos.references().isMissing()) {
            return;
        }
        Set<String> tagged = new HashSet<>();
        for (Reference r : repos.references().optional().orElse(List.of())) {
            tagged.add(r.ref() + " " + r.target());
        }
        for (StoreImage image : apps.images()) {
            if (ctx.store().imageDb().image(image.imageId()).flatMap(i -> i.config().optional()).isEmpty()) {
                continue; // not in the engine (restore's business), or damaged (its own finding)
            }
            for (String name : image.names()) {
                String tag = Reference.familiar(name);
                if (!Reference.isTag(tag) || tagged.contains(tag + " " + image.imageId())) {
                    continue;
                }
                ctx.report(FindingCode.REFERENCE_LOST, Subject.reference(tag), repos.path(),
                        "the app store names image " + image.imageId().shortHex() + " " + tag
                                + ", which the engine holds without that tag",
                        evidence("image", image.imageId().toString(), "app", image.app() == null ? "" : image.app(),
                                "store", apps.root().toString()));
            }
        }
    }
}
