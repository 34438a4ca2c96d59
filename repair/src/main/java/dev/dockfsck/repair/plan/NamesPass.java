package dev.dockfsck.repair.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.container.Container;
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
 * ({@code REPOSITORIES_INVALID}): rebuilt from what survives (the image names of containers and
 * the app store's names). Readable: the tags of removed or lost images dropped
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
            for (Container c : ctx.store.containers().values()) {
                c.config().optional().ifPresent(cfg -> Digest.tryParse(cfg.image()).filter(surviving::contains)
                        .ifPresent(id -> cfg.imageName().filter(Reference::isTag).ifPresent(n -> put(out, n, id))));
            }
            ctx.options.extraNames().forEach((id, names) -> {
                if (surviving.contains(id)) {
                    names.stream().filter(Reference::isTag).forEach(n -> put(out, n, id));
                }
            });
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

    /** Adds a tag as dockerd keys it: its familiar form under its repository. */
    private static void put(Map<String, Map<String, String>> out, String name, Digest id) {
        String tag = Reference.familiar(name);
        out.computeIfAbsent(Reference.repositoryOf(tag), k -> new TreeMap<>()).put(tag, id.toString());
    }
}
