package dev.dockfsck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.fixtures.store.StoreIds;
import dev.dockfsck.model.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Incremental deep verify: only layers not yet proven, --full re-proves, a torn ledger is ignored. */
class DeepLedgerTest {
    static final Pattern LINE = Pattern.compile("deep: ledger: (\\d+) layer\\(s\\) proven before, (\\d+) proven now(, (\\d+) left.*)?");

    @TempDir
    Path tmp;
    Path root;
    Path state;
    StoreBuilder builder;

    record Outcome(int exit, int before, int now, int left, String out) {
    }

    @BeforeEach
    void store() throws Exception {
        root = tmp.resolve("root");
        state = tmp.resolve("state");
        builder = StoreBuilder.create(root, 11);
        builder.load(SampleSet.image(SampleSet.A));
        builder.load(SampleSet.image(SampleSet.B));
    }

    private Outcome deep(String... more) {
        List<String> argv = new java.util.ArrayList<>(List.of("check", "--deep", "--incremental", "--jobs", "1",
                "--root", root.toString(), "--state-dir", state.toString()));
        argv.addAll(List.of(more));
        CheckCommandTest.Run r = CheckCommandTest.run(argv.toArray(String[]::new));
        Matcher m = r.err().lines().map(LINE::matcher).filter(Matcher::matches).findFirst()
                .orElseThrow(() -> new AssertionError("no ledger line: " + r.err()));
        return new Outcome(r.code(), Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(4) == null ? 0 : Integer.parseInt(m.group(4)), r.out() + r.err());
    }

    private int layers() {
        StoreIds ids = builder.ids();
        return ids.layers().size();
    }

    @Test
    void aSecondRunProvesNothingAndANewLoadOnlyItsNewLayers() throws Exception {
        int ab = layers();
        Outcome first = deep();
        assertEquals(0, first.exit(), first.out());
        assertEquals(0, first.before());
        assertEquals(ab, first.now());
        Path ledger = ledgerFile();
        Object written = inode(ledger);
        Outcome second = deep();
        assertEquals(0, second.exit());
        assertEquals(ab, second.before());
        assertEquals(0, second.now(), "an unchanged store deep-verifies zero layers");
        assertEquals(written, inode(ledger), "an unchanged ledger is not written again (an atomic write is a new inode)");
        builder.load(SampleSet.image(SampleSet.C));
        int added = layers() - ab;
        assertTrue(added > 0);
        Outcome third = deep();
        assertEquals(0, third.exit());
        assertEquals(ab, third.before());
        assertEquals(added, third.now(), "only the new load's layers");
        assertNotEquals(written, inode(ledger), "a ledger that gained layers is written");
    }

    private Path ledgerFile() throws java.io.IOException {
        try (var files = java.nio.file.Files.list(state)) {
            return files.filter(p -> p.getFileName().toString().startsWith("deep-ledger-")).findFirst().orElseThrow();
        }
    }

    private static Object inode(Path p) throws java.io.IOException {
        return java.nio.file.Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    }

    @Test
    void aLayerDamagedAfterItWasProvenIsFoundByFull() throws Exception {
        assertEquals(0, deep().exit());
        StoreIds ids = builder.ids();
        Digest top = ids.imageByTag(SampleSet.A).topChainId();
        Path file;
        try (Stream<Path> s = Files.walk(ids.diffDir(top))) {
            file = s.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> p.toFile().length() > 0).findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(file);
        b[0] ^= 1; // same size: only a deep verify sees it
        Files.write(file, b);
        Outcome incremental = deep();
        assertEquals(0, incremental.now(), "proven layers are not proven again");
        Outcome full = deep("--full");
        assertEquals(4, full.exit(), full.out());
        assertTrue(full.out().contains("LAYER_CONTENT_MISMATCH"), full.out());
        assertEquals(layers(), full.now());
        // out of the ledger now: the next incremental run proves it again, and finds it again
        Outcome after = deep();
        assertEquals(4, after.exit());
        assertEquals(1, after.now());
    }

    @Test
    void aTornOrGarbledLedgerIsIgnoredNeverTrusted() throws Exception {
        assertEquals(0, deep().exit());
        Path ledger;
        try (Stream<Path> s = Files.list(state)) {
            ledger = s.filter(p -> p.getFileName().toString().startsWith("deep-ledger-")).findFirst().orElseThrow();
        }
        byte[] whole = Files.readAllBytes(ledger);
        Files.write(ledger, java.util.Arrays.copyOf(whole, whole.length / 2));
        Outcome torn = deep();
        assertTrue(torn.out().contains("is torn"), torn.out());
        assertEquals(0, torn.before());
        assertEquals(layers(), torn.now());
        // a ledger that parses but whose entries were changed (a layer added by hand) is not trusted either
        String text = Files.readString(ledger);
        Files.writeString(ledger, text.replaceFirst("\"layers\" : \\[ \\{", "\"layers\" : [ {\"key\":\"x\",\"chain_id\":\"y\"}, {"));
        Outcome garbled = deep();
        assertEquals(0, garbled.before(), garbled.out());
        assertEquals(0, deep().now(), "rewritten whole by the run that ignored it");
    }

    @Test
    void aTimeBudgetLeavesTheRestForTheNextRun() throws Exception {
        Outcome first = deep("--time-budget", "0.000001");
        assertTrue(first.now() >= 1 && first.left() >= 1, first.out());
        assertEquals(layers(), first.now() + first.left());
        Set<Integer> seen = new HashSet<>();
        Outcome next = first;
        for (int i = 0; i < layers() && next.left() > 0; i++) {
            next = deep("--time-budget", "0.000001");
            seen.add(next.now());
        }
        assertEquals(0, next.left(), "every layer is proven after enough runs");
        assertEquals(0, deep().now());
        assertEquals(16, CheckCommandTest.run("check", "--root", root.toString(), "--full").code());
        assertEquals(16, CheckCommandTest.run("check", "--root", root.toString(), "--incremental").code());
    }
}
