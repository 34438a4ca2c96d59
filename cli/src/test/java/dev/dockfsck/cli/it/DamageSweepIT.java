package dev.dockfsck.cli.it;

import static dev.dockfsck.cli.it.RepairIt.ALL;
import static dev.dockfsck.cli.it.RepairIt.assertContainerGone;
import static dev.dockfsck.cli.it.RepairIt.assertContainerStarts;
import static dev.dockfsck.cli.it.RepairIt.assertNoUnfinishedJournal;
import static dev.dockfsck.cli.it.RepairIt.assertReloads;
import static dev.dockfsck.cli.it.RepairIt.assertRuns;
import static dev.dockfsck.cli.it.RepairIt.check;
import static dev.dockfsck.cli.it.RepairIt.dockerdOn;
import static dev.dockfsck.cli.it.RepairIt.findings;
import static dev.dockfsck.cli.it.RepairIt.imageId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dockfsck.checker.ContentVerifier;
import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.Severity;
import dev.dockfsck.checker.TarSplitContentVerifier;
import dev.dockfsck.cli.ExitCodes;
import dev.dockfsck.repair.Repairer;
import dev.dockfsck.repair.restore.PendingRestore;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import dev.dockfsck.repair.plan.RemoveContainer;
import dev.dockfsck.faults.catalogue.Catalogue;
import dev.dockfsck.faults.catalogue.FaultApplier;
import dev.dockfsck.faults.catalogue.Mutation;
import dev.dockfsck.faults.catalogue.TargetKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every file of a store the real dockerd made, damaged in each way a power cut or a bad block
 * damages a file, one at a time: a file emptied, cut in half, deleted, or with 16 bytes garbled; a
 * short link deleted or pointing elsewhere; a directory deleted. The files are found by walking the
 * golden store (its metadata, its overlay2 dirs and short links, one content file of every image
 * layer, the container's configs), not listed by hand. For each damage:
 * <ul>
 *   <li>{@code check --deep} ends with a verdict (exit 0 or 4), never an operational error;</li>
 *   <li>when it says clean, the real dockerd agrees: the damaged store runs every image and starts
 *       the container as the undamaged one does (no damage missed);</li>
 *   <li>otherwise {@code repair --deep} (then {@code repair --deep --force} when it kept
 *       something for the user to decide) leaves nothing but warnings its plan says it cannot mend
 *       (and usually nothing), {@code check --deep} agrees, a second repair has nothing to do, and
 *       volumes/ is untouched;</li>
 *   <li>the real dockerd runs every image repair kept, starts the container unless the forced
 *       repair removed it, and re-loads every image repair recorded for restore (no "file
 *       exists"), which then runs.</li>
 * </ul>
 * dockerd's side is proven once per distinct outcome: damages that repair to the same tree (the
 * same names, types, modes, owners, contents, link targets and opaque markers) and the same
 * restore list behave the same under dockerd. {@code -Dsweep.only=REGEX} runs the cases whose name
 * matches.
 */
class DamageSweepIT {
    /**
     * How a file is damaged: a mutation of the fault catalogue ({@link Catalogue}), named as the
     * sweep names it. RETARGET points a short link elsewhere; LINK_OUT (the app store sweep only:
     * it writes outside the tree, which no catalogue fault does) replaces a file by a symbolic link
     * to an intact copy of it outside the tree.
     */
    enum Damage {
        EMPTY(Mutation.EMPTY), HALF(Mutation.TRUNCATE_HALF), DELETE(Mutation.DELETE), GARBLE(Mutation.GARBLE),
        RETARGET(Mutation.DANGLING_SYMLINK), LINK_OUT(null);

        final Mutation mutation;

        Damage(Mutation mutation) {
            this.mutation = mutation;
        }

        /** The catalogue's mutation of a case of this damage on a path of {@code type} ('d': a directory). */
        Mutation mutation(char type) {
            return this == DELETE && type == 'd' ? Mutation.REMOVE_DIR : mutation;
        }

        static Damage of(Mutation m) {
            return switch (m) {
                case EMPTY -> EMPTY;
                case TRUNCATE_HALF -> HALF;
                case DELETE, REMOVE_DIR -> DELETE;
                case GARBLE -> GARBLE;
                case DANGLING_SYMLINK -> RETARGET;
                default -> throw new IllegalArgumentException(m + " is not a sweep damage");
            };
        }
    }

    /** A path of the store (relative to the root) and one damage to it. */
    record Case(String path, char type, Damage damage) {
        @Override
        public String toString() {
            return damage.name().toLowerCase(java.util.Locale.ROOT) + " " + path;
        }
    }

    /** What dockerd's side depends on: the repaired tree, the restore list, whether the container stays. */
    record Outcome(TreeSnapshot tree, Set<String> pending, boolean containerKept) {
    }

    /** Outcomes dockerd has been shown, with the case that showed it. */
    static final Map<Outcome, String> PROVEN = new HashMap<>();

    @TempDir
    static Path tmp;

    @TestFactory
    Stream<DynamicTest> everyFileOfARealStoreDamagedEveryWay() throws IOException {
        Path golden = RepairIt.golden().root();
        Pattern only = Pattern.compile(System.getProperty("sweep.only", ".*"));
        List<Case> all = cases(golden);
        assertTrue(all.size() > 40, "the walk found the store's files: " + all);
        List<Case> cases = all.stream().filter(c -> only.matcher(c.toString()).find()).toList();
        int[] n = {0};
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> run(c, tmp.resolve("case-" + n[0]++))));
    }

    // ------------------------------------------------------------------ what to damage

    /**
     * Every fault of the catalogue's sweep ({@link Catalogue#sweep()}) on every target the store
     * has: every file of its metadata (image/overlay2 but the write-set scratch space), its overlay2
     * dirs and short links, the largest content file of every image layer, the containers' configs.
     */
    static List<Case> cases(Path root) throws IOException {
        List<Case> out = new ArrayList<>();
        for (FaultApplier.Hit h : FaultApplier.hits(root, Catalogue.sweep())) {
            Mutation m = h.fault().mutation();
            char type = m == Mutation.REMOVE_DIR ? 'd' : h.fault().kind() == TargetKind.OVERLAY2_SYMLINK ? 'l' : 'f';
            out.add(new Case(h.target(), type, Damage.of(m)));
        }
        return out;
    }

    /** {@code len} bytes of {@code file} from {@code at} garbled, each changed (XOR 0x5A), the size kept. */
    static void garble(Path file, long at, int len) throws IOException {
        FaultApplier.garble(file, at, len);
    }

    /** The damages of a file the catalogue's file mutations can do to it: deleted always; emptied and garbled when it has content; halved from 2 bytes. */
    static void file(List<Case> out, Path root, String rel) throws IOException {
        Path p = root.resolve(rel);
        for (Damage d : List.of(Damage.DELETE, Damage.EMPTY, Damage.GARBLE, Damage.HALF)) {
            if (FaultApplier.applies(p, d.mutation)) {
                out.add(new Case(rel, 'f', d));
            }
        }
    }

    // ------------------------------------------------------------------ damage

    /** Applies the case's damage: the catalogue's mutation (inside {@code root} only), LINK_OUT here. */
    static void damage(Path root, Case c) throws IOException {
        if (c.damage() == Damage.LINK_OUT) {
            Path p = root.resolve(c.path());
            Path outside = root.resolveSibling(root.getFileName() + "-outside");
            Files.createDirectories(outside);
            Path copy = outside.resolve(c.path().replace('/', '_'));
            Files.move(p, copy);
            Files.createSymbolicLink(p, copy);
            return;
        }
        FaultApplier.mutate(root.toRealPath(), c.path(), c.damage().mutation(c.type()), 0);
    }

    // ------------------------------------------------------------------ one case

    static void run(Case c, Path dir) throws IOException {
        try {
            runCase(c, dir);
        } catch (AssertionError e) {
            throw new AssertionError(c + ": " + e.getMessage(), e);
        }
    }

    private static void runCase(Case c, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path root = RepairIt.copyGolden(dir);
        damage(root, c);

        int verdict = check(root, true);
        assertTrue(verdict == ExitCodes.CLEAN || verdict == ExitCodes.ERRORS_LEFT,
                "check --deep of a damaged store must give a verdict, not exit " + verdict);
        if (verdict == ExitCodes.CLEAN) {
            // nothing found: then dockerd must find the store as good as the undamaged one
            proveWithDockerd(c, root, Set.of(), true, dir);
            return;
        }

        Path state = dir.resolve("state");
        Repairer.Result r = repair(root, state, false);
        boolean containerKept = true;
        if (r.exitCode() != ExitCodes.CLEAN && r.exitCode() != ExitCodes.CORRECTED) {
            // what is left is what repair keeps for the user (a container's RW layer): --force decides
            r = repair(root, state, true);
            containerKept = r.plan().actions().stream().noneMatch(RemoveContainer.class::isInstance);
        }
        // nothing is left but what repair's plan says it does not mend ("not repaired": a tar-split
        // that is lost or corrupt, an entry dockerd would not have written)
        Report last = r.after() != null ? r.after() : r.before();
        List<Finding> left = last.findings().stream().filter(f -> f.severity() != Severity.INFO).toList();
        List<String> kept = r.plan().kept();
        for (Finding f : left) {
            assertTrue(kept.stream().anyMatch(k -> k.startsWith(f.code() + " " + f.subject() + ": not repaired")),
                    "repair left " + f.severity() + " " + f.code() + " " + f.subject() + " (" + f.message()
                    + ") without saying it does not mend it; kept: " + kept);
        }
        int after = check(root, true);
        assertEquals(left.isEmpty() ? ExitCodes.CLEAN : ExitCodes.ERRORS_LEFT, after,
                "check --deep after repair: " + findings(root, true));
        assertNoUnfinishedJournal(state);
        Set<String> pending = new PendingRestore(state).read().stream().map(e -> e.imageId().toString())
                .collect(Collectors.toCollection(TreeSet::new));
        Repairer.Result again = repair(root, state, true);
        assertTrue(again.plan().actions().isEmpty(), "a second repair has nothing to do: " + again.plan().actions());
        proveWithDockerd(c, root, pending, containerKept, dir);
    }

    /** The tags of the root's repositories.json (tag -> image ID); empty when it is missing or unreadable. */
    static Map<String, String> tags(Path root) throws IOException {
        Map<String, String> out = new HashMap<>();
        Path p = root.resolve("image/overlay2/repositories.json");
        if (!Files.isRegularFile(p)) {
            return out;
        }
        try {
            new ObjectMapper().readTree(p.toFile()).path("Repositories").forEach(repo -> repo.fields()
                    .forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText())));
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** {@code repair --deep [--force]} as the CLI runs it; asserts volumes/ is untouched. */
    static Repairer.Result repair(Path root, Path state, boolean force) throws IOException {
        TreeSnapshot volumes = TreeSnapshot.of(root.resolve("volumes"), true);
        Repairer.Result r;
        try {
            r = new Repairer(new Repairer.Options(true, false, force, state, 2, Map.of(), TarSplitContentVerifier::new,
                    ContentVerifier.Progress.NONE, Repairer.Listener.NONE)).run(root);
        } catch (Repairer.RefusedException e) {
            throw new AssertionError("repair refused: " + e.getMessage(), e);
        }
        RepairIt.assertVolumesUnchanged(root, volumes);
        return r;
    }

    /**
     * dockerd on the (repaired) root: no store error, every image not pending runs, the container
     * starts unless removed, every pending image re-loads and runs. Once per distinct outcome.
     */
    static void proveWithDockerd(Case c, Path root, Set<String> pending, boolean containerKept, Path dir)
            throws IOException {
        Outcome o = new Outcome(TreeSnapshot.of(root, true), pending, containerKept);
        String shownBy = PROVEN.get(o);
        if (shownBy != null) {
            System.out.println("sweep: " + c + ": same outcome as " + shownBy + ", already proven with dockerd");
            return;
        }
        List<String> removed = ALL.stream().filter(t -> pending.contains(imageId(t).toString())).toList();
        Map<String, String> tags = tags(root);
        try (Dockerd d = dockerdOn(root)) {
            for (String tag : ALL) {
                if (removed.contains(tag)) {
                    continue;
                }
                // a tag no surviving source names (repositories.json lost, no container or app store
                // names the image) is gone; the image itself must still run
                String id = imageId(tag).toString();
                String want = tags.get(tag);
                assertTrue(want == null || want.equals(id), tag + " must not name another image: " + want);
                assertRuns(d, want == null ? id : tag, tag);
            }
            if (containerKept) {
                assertContainerStarts(d);
            } else {
                assertContainerGone(d);
            }
            assertReloads(d, dir, removed.toArray(String[]::new));
        }
        PROVEN.put(o, c.toString());
        System.out.println("sweep: " + c + ": proven with dockerd (removed " + removed.stream()
                .collect(Collectors.joining(", ")) + (containerKept ? "" : "; container removed") + ")");
    }
}
