package dev.dockfsck.faults.catalogue;

import static dev.dockfsck.faults.catalogue.Mutation.DANGLING_SYMLINK;
import static dev.dockfsck.faults.catalogue.Mutation.DELETE;
import static dev.dockfsck.faults.catalogue.Mutation.EMPTY;
import static dev.dockfsck.faults.catalogue.Mutation.GARBLE;
import static dev.dockfsck.faults.catalogue.Mutation.HALF_EXTRACTED_DIR;
import static dev.dockfsck.faults.catalogue.Mutation.INTERRUPTED_REMOVAL;
import static dev.dockfsck.faults.catalogue.Mutation.REMOVE_DIR;
import static dev.dockfsck.faults.catalogue.Mutation.STALE_WRITE_SET;
import static dev.dockfsck.faults.catalogue.Mutation.TRUNCATE_4K;
import static dev.dockfsck.faults.catalogue.Mutation.TRUNCATE_HALF;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.Optional;

/** The fault catalogue: every damage a power cut or a bad block does to a data root, as data. */
public final class Catalogue {
    private static List<Fault> build() {
        List<Fault> f = new ArrayList<>();
        List<Mutation> fileDamage = List.of(EMPTY, TRUNCATE_HALF, DELETE, GARBLE);
        add(f, TargetKind.LAYERDB_FILE, fileDamage, true, "a layerdb file (cache-id, diff, size, parent, tar-split.json.gz, mount-id, ...)");
        add(f, TargetKind.LAYERDB_DIR, List.of(REMOVE_DIR), true, "a whole layerdb layer or mount entry");
        add(f, TargetKind.IMAGE_CONFIG, fileDamage, true, "an image config (imagedb/content)");
        add(f, TargetKind.IMAGE_METADATA, fileDamage, false, "imagedb/metadata and distribution files (dockerd does without them)");
        add(f, TargetKind.REPOSITORIES, fileDamage, true, "repositories.json");
        add(f, TargetKind.OVERLAY2_FILE, fileDamage, true, "an overlay2 dir's link or lower file");
        add(f, TargetKind.OVERLAY2_SYMLINK, List.of(DELETE, DANGLING_SYMLINK), true, "an overlay2/l/ short link");
        add(f, TargetKind.OVERLAY2_DIR, List.of(REMOVE_DIR), true, "an overlay2 dir's diff/ or work/");
        add(f, TargetKind.LAYER_CONTENT, List.of(EMPTY, TRUNCATE_HALF, TRUNCATE_4K, DELETE, GARBLE), true,
                "the largest file of an image layer's diff/ (found by check --deep)");
        add(f, TargetKind.CONTAINER_METADATA, fileDamage, true, "a container's config.v2.json or hostconfig.json");
        add(f, TargetKind.LAYER_CACHE_DIR, List.of(HALF_EXTRACTED_DIR), true, "an unregistered overlay2 dir: an extraction cut off");
        add(f, TargetKind.LAYER, List.of(STALE_WRITE_SET), true, "an uncommitted layerdb/tmp/write-set-N");
        add(f, TargetKind.LEAF_LAYER, List.of(INTERRUPTED_REMOVAL), true, "a layer removal cut off after its rename");
        return Collections.unmodifiableList(f);
    }

    private Catalogue() {
    }

    /** Where a fault that damages elsewhere does not, and why (docs/reliability.md, "what check does not flag"). */
    private static final Map<String, List<Fault.Harmless>> HARMLESS = Map.of(
            "layerdb-file.truncate-half", List.of(harmless(".*/layerdb/sha256/[^/]+/size",
                    "a size cut at half is still a number: dockerd only reports a smaller size")),
            "layerdb-file.delete", List.of(harmless(".*/layerdb/mounts/[^/]+/(init-id|parent)",
                    "dockerd reads a missing init-id or parent of a mount as none; check does not flag it")),
            "repositories.delete", List.of(harmless(".*",
                    "dockerd starts with no tags; offline only an app store or a container names the lost ones")),
            "overlay2-dir.remove-dir", List.of(harmless("overlay2/[^/]+/work", "check does not flag a lost work/")),
            "container-metadata.delete", List.of(harmless("containers/[^/]+/hostconfig\\.json",
                    "dockerd reads a missing hostconfig.json as the defaults")));

    private static final List<Fault> ALL = build();

    private static Fault.Harmless harmless(String regex, String why) {
        return new Fault.Harmless(Pattern.compile(regex), why);
    }

    private static void add(List<Fault> out, TargetKind kind, List<Mutation> mutations, boolean damages, String what) {
        for (Mutation m : mutations) {
            String id = kind.id() + "." + m.id();
            out.add(new Fault(id, kind, m, damages, what + ": " + m.what(), HARMLESS.getOrDefault(id, List.of())));
        }
    }

    /** Every fault, in a stable order. */
    public static List<Fault> all() {
        return ALL;
    }

    public static Optional<Fault> byId(String id) {
        return ALL.stream().filter(f -> f.id().equals(id)).findFirst();
    }

    /**
     * The faults the damage sweeps (DamageSweepIT, AppStoreDamageSweepIT) run on every target a
     * real store has: every file, short-link and directory damage; not the 4 KiB cut (the half cut
     * stands for it there) nor the leftovers (the crash campaigns make those).
     */
    public static List<Fault> sweep() {
        return ALL.stream().filter(f -> f.mutation() != TRUNCATE_4K && f.targetClass() != TargetClass.LEFTOVER).toList();
    }

    /** The fault that applies {@code mutation} to targets of {@code kind}, when the catalogue has it. */
    public static Optional<Fault> of(TargetKind kind, Mutation mutation) {
        return ALL.stream().filter(f -> f.kind() == kind && f.mutation() == mutation).findFirst();
    }
}
