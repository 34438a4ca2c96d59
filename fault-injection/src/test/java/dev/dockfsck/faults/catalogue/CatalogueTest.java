package dev.dockfsck.faults.catalogue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.Report;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

class CatalogueTest {
    @TempDir
    static Path tmp;

    @Test
    void idsAreStableAndUniqueAndEveryClassAndMutationIsCovered() {
        Set<String> ids = new HashSet<>();
        for (Fault f : Catalogue.all()) {
            assertTrue(ids.add(f.id()), "duplicate id " + f.id());
            assertEquals(f.kind().id() + "." + f.mutation().id(), f.id());
            assertEquals(f, Catalogue.byId(f.id()).orElseThrow());
        }
        assertEquals(Set.of(TargetClass.values()), Catalogue.all().stream().map(Fault::targetClass).collect(Collectors.toSet()));
        assertEquals(Set.of(Mutation.values()), Catalogue.all().stream().map(Fault::mutation).collect(Collectors.toSet()));
        assertTrue(Catalogue.byId("layer-content.truncate-4k").isPresent());
        assertTrue(Catalogue.byId("no-such.fault").isEmpty());
    }

    /** Every fault on every target it has in the store: it changes exactly what it says, and check finds it. */
    @TestFactory
    Stream<DynamicTest> everyFaultOnEveryTargetChangesWhatItSaysAndCheckFindsIt() throws IOException {
        Path pristine = StoreFixture.pristine();
        assertTrue(StoreFixture.check(pristine).clean(), "the pristine store is clean: " + StoreFixture.check(pristine).findings());
        List<DynamicTest> tests = new ArrayList<>();
        int[] n = {0};
        for (Fault f : Catalogue.all()) {
            List<String> targets = FaultApplier.candidates(pristine, f);
            assertFalse(targets.isEmpty(), f.id() + " has a target in the sample store");
            for (String t : targets) {
                tests.add(DynamicTest.dynamicTest(f.id() + " " + t, () -> applyAndCheck(f, t, tmp.resolve("c" + n[0]++))));
            }
        }
        assertTrue(tests.size() > 100, "targets found: " + tests.size());
        return tests.stream();
    }

    private static void applyAndCheck(Fault f, String target, Path dir) throws IOException {
        Path root = StoreFixture.copy(dir);
        TreeSnapshot before = TreeSnapshot.of(root, false);
        FaultApplier.Applied a = FaultApplier.apply(root, f, Optional.of(target), 7);
        assertEquals(target, a.target());
        TreeSnapshot after = TreeSnapshot.of(root, false);
        assertFalse(a.changes().isEmpty());
        // every path the snapshots differ at lies at or under a path the fault says it changed
        Set<String> differ = new TreeSet<>();
        for (String k : union(before.nodes().keySet(), after.nodes().keySet())) {
            if (!java.util.Objects.equals(before.nodes().get(k), after.nodes().get(k))) {
                differ.add(k);
            }
        }
        assertFalse(differ.isEmpty(), f.id() + " on " + target + " changed nothing");
        List<String> said = a.changes().stream().map(FaultApplier.Change::path).toList();
        for (String d : differ) {
            assertTrue(said.stream().anyMatch(s -> d.equals(s) || d.startsWith(s + "/") || isParentOf(d, s)),
                    f.id() + " changed " + d + " without saying so; said: " + a.changes());
        }
        for (String s : said) {
            assertTrue(differ.stream().anyMatch(d -> d.equals(s) || d.startsWith(s + "/")),
                    f.id() + " says it changed " + s + " but the tree is the same there");
        }
        if (f.damagesAt(target)) {
            Report r = StoreFixture.check(root);
            assertFalse(r.clean(), f.id() + " on " + target + ": check --deep finds nothing");
        }
    }

    /** a directory whose entry list (mtime aside) changed because a child was made or removed */
    private static boolean isParentOf(String d, String s) {
        return s.startsWith(d + "/") && !s.substring(d.length() + 1).contains("/");
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new TreeSet<>(a);
        u.addAll(b);
        return u;
    }

    @Test
    void aSeedPicksTheSameTargetAndSeedsSpreadOverTargets() throws IOException {
        Path pristine = StoreFixture.pristine();
        Fault f = Catalogue.byId("layerdb-file.empty").orElseThrow();
        List<String> c = FaultApplier.candidates(pristine, f);
        assertEquals(FaultApplier.pick(c, 42), FaultApplier.pick(c, 42));
        Set<String> picked = new HashSet<>();
        for (long s = 0; s < 200; s++) {
            picked.add(FaultApplier.pick(c, s));
        }
        assertTrue(picked.size() > c.size() / 2, "200 seeds hit " + picked.size() + " of " + c.size());
        Path a = StoreFixture.copy(tmp.resolve("seed-a"));
        Path b = StoreFixture.copy(tmp.resolve("seed-b"));
        FaultApplier.Applied x = FaultApplier.apply(a, f, Optional.empty(), 42);
        FaultApplier.Applied y = FaultApplier.apply(b, f, Optional.empty(), 42);
        assertEquals(x, y);
        assertEquals(TreeSnapshot.of(a, false), TreeSnapshot.of(b, false));
    }

    @Test
    void refusesTargetsOutsideTheRootAndWritesNothingThroughALink() throws IOException {
        Path root = StoreFixture.copy(tmp.resolve("refuse"));
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("victim"), "keep me");
        Fault empty = Catalogue.byId("repositories.empty").orElseThrow();
        assertThrows(SafePaths.OutsideRootException.class,
                () -> FaultApplier.apply(root, empty, Optional.of("../outside/victim"), 1));
        assertThrows(SafePaths.OutsideRootException.class,
                () -> FaultApplier.apply(root, empty, Optional.of(outside.resolve("victim").toString()), 1));
        assertThrows(SafePaths.OutsideRootException.class,
                () -> FaultApplier.mutate(root.toRealPath(), "image/overlay2/../../../outside/victim", Mutation.EMPTY, 1));
        // a directory on the way replaced by a link out of the root
        Files.createSymbolicLink(root.resolve("containers/escape"), outside);
        assertThrows(SafePaths.OutsideRootException.class,
                () -> FaultApplier.mutate(root.toRealPath(), "containers/escape/victim", Mutation.EMPTY, 1));
        // the target itself a link to a file outside: not a regular file, so never written through
        Files.createSymbolicLink(root.resolve("image/overlay2/evil"), outside.resolve("victim"));
        assertThrows(IOException.class, () -> FaultApplier.mutate(root.toRealPath(), "image/overlay2/evil", Mutation.EMPTY, 1));
        assertThrows(IOException.class, () -> FaultApplier.mutate(root.toRealPath(), "image/overlay2/evil", Mutation.GARBLE, 1));
        assertEquals("keep me", Files.readString(outside.resolve("victim")));
        // a target that is not one of the fault's
        assertThrows(FaultApplier.NoTargetException.class,
                () -> FaultApplier.apply(root, empty, Optional.of("containers"), 1));
    }
}
