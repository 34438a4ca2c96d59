package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.image.Reference;
import java.util.List;

/** {@code REFERENCE_TARGET_MISSING}: a tag or digest reference names an image that is not stored. */
public final class ReferenceTargetMissingRule implements StoreRule {
    @Override
    public void check(CheckContext ctx) {
        var repos = ctx.store().repositories();
        for (Reference r : repos.references().optional().orElse(List.of())) {
            var target = Digest.tryParse(r.target());
            if (target.isEmpty() || ctx.store().imageDb().image(target.get()).isEmpty()) {
                ctx.report(FindingCode.REFERENCE_TARGET_MISSING, Subject.reference(r.ref()), repos.path(),
                        r.ref() + " names " + (target.isEmpty() ? "an invalid image ID " + dev.dockfsck.model.Texts.quote(r.target())
                                : "image " + target.get().shortHex() + ", which is not in the store"),
                        evidence("repository", r.repository(), "target", r.target()));
            }
        }
    }
}
