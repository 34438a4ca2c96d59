package dev.dockfsck.repair.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.container.Container;
import dev.dockfsck.model.image.ImageDbReader;
import dev.dockfsck.model.image.Reference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Pass 5, names: {@code repositories.json} as it must be after the plan. Unreadable
 * ({@code REPOSITORIES_INVALID}): rebuilt from what survives: the complete tag pairs the damaged
 * file still holds, the image names of containers and the app store's names; the images left
 * without a tag, and salvaged tags whose image is gone, are reported. Readable: the tags of removed or lost images dropped
 * ({@code REFERENCE_TARGET_MISSING}), the tags the app store says the engine lost written back
 * ({@code REFERENCE_LOST}). Written only when something changes.
 */
final class NamesPass {
    private final PlanContext ctx;

    NamesPass(PlanContext ctx) {
        this.ctx = ctx;
    }

    Optional<Action> repositories(Set<Digest> removeImages, Set<Digest> writtenBack) {
        var repos = ctx.store.repositories();
        Set<Digest> surviving = new HashSet<>(ctx.store.imageDb().images().keySet());
        surviving.removeAll(removeImages);
        surviving.addAll(writtenBack);
        Map<String, Map<String, String>> out = new TreeMap<>();
        boolean rebuild = !repos.references().isOk() && !repos.references().isMissing();
        List<String> why = new ArrayList<>();
        if (rebuild) {
            why.add(FindingCode.REPOSITORIES_INVALID.name());
            // what the damaged file still holds, then the containers' image names, then the app store's names
            List<Reference> salvaged = ImageDbReader.salvageReferences(repos.path());
            for (Reference r : salvaged) {
                Digest.tryParse(r.target()).filter(surviving::contains).ifPresent(id -> put(out, r.ref(), id));
            }
            for (Container c : ctx.store.containers().values()) {
                c.config().optional().ifPresent(cfg -> Digest.tryParse(cfg.image()).filter(surviving::contains)
                        .ifPresent(id -> cfg.imageName().filter(Reference::isTag).ifPresent(n -> put(out, n, id))));
            }
            ctx.options.extraNames().forEach((id, names) -> {
                if (surviving.contains(id)) {
                    names.stream().filter(Reference::isTag).forEach(n -> put(out, n, id));
                }
            });
            notRecovered(out, surviving, salvaged);
        } else {
            boolean changed = false;
            for (Reference r : repos.references().optional().orElse(List.of())) {
                Optional<Digest> target = Digest.tryParse(r.target());
                if (target.isPresent() && surviving.contains(target.get())) {
                    out.computeIfAbsent(r.repository(), k -> new TreeMap<>()).put(r.ref(), r.target());
                } else {
                    changed = true;
                    why.add((target.isPresent() && ctx.store.imageDb().images().containsKey(target.get())
                            ? "image removed, untag " : FindingCode.REFERENCE_TARGET_MISSING + " reference ") + r.ref());
                }
            }
            // tags the app store says the engine lost, on images that stay
            for (var f : ctx.findings(FindingCode.REFERENCE_LOST)) {
                Optional<Digest> id = Digest.tryParse(String.valueOf(f.evidence().get("image"))).filter(surviving::contains);
                if (id.isPresent() && Reference.isTag(f.subject().id())) {
                    put(out, f.subject().id(), id.get());
                    changed = true;
                    why.add(FindingCode.REFERENCE_LOST + " " + f.subject().id());
                }
            }
            if (!changed) {
                return Optional.empty();
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        ObjectNode r = root.putObject("Repositories");
        out.forEach((repo, refs) -> {
            ObjectNode n = r.putObject(repo);
            refs.forEach(n::put);
        });
        return Optional.of(new WriteFile(ctx.rel(repos.path()), root.toString(), why));
    }

    /**
     * Says which names a rebuild could not give back: the images that stay without any tag (no
     * source names them: they show as {@code <none>}), and the tags read from the damaged file
     * whose image is gone.
     */
    private void notRecovered(Map<String, Map<String, String>> out, Set<Digest> surviving, List<Reference> salvaged) {
        Set<String> tagged = new HashSet<>();
        out.values().forEach(refs -> tagged.addAll(refs.values()));
        new java.util.TreeSet<>(surviving).stream().filter(id -> !tagged.contains(id.toString())).forEach(id ->
                ctx.keep("image " + id.shortHex() + ": its tags could not be recovered (repositories.json was unreadable "
                        + "and no container or app store names it); it stays untagged"));
        salvaged.stream().filter(r -> Digest.tryParse(r.target()).filter(surviving::contains).isEmpty())
                .map(Reference::ref).distinct().sorted().forEach(ref ->
                        ctx.keep("tag " + ref + ": read from the damaged repositories.json, its image is gone; not written back"));
    }

    /** Adds a tag as dockerd keys it: its familiar form under its repository. */
    private static void put(Map<String, Map<String, String>> out, String name, Digest id) {
        String tag = Reference.familiar(name);
        out.computeIfAbsent(Reference.repositoryOf(tag), k -> new TreeMap<>()).put(tag, id.toString());
    }
}
