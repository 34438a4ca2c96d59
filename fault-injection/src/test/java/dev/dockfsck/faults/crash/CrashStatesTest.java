package dev.dockfsck.faults.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.faults.record.FsOp;
import dev.dockfsck.faults.record.Recording;
import dev.dockfsck.faults.record.Replayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrashStatesTest {
    @TempDir
    Path tmp;

    /** A layer registration as dockerd does it: write-set files written and synced, renamed; a big unsynced file. */
    static List<FsOp> ops() {
        List<FsOp> o = new ArrayList<>();
        o.add(new FsOp.Mkdir("ws", 0700));                       // 0
        o.add(new FsOp.Create("ws/size", 0644, 1));              // 1
        o.add(new FsOp.Write("ws/size", 0, 4, 1));               // 2
        o.add(new FsOp.Sync("ws/size", FsOp.Sync.Kind.FSYNC, 1)); // 3
        o.add(new FsOp.Rename("ws", "layer"));                   // 4
        o.add(new FsOp.Mkdir("diff", 0755));                     // 5
        o.add(new FsOp.Create("diff/big", 0644, 2));             // 6
        o.add(new FsOp.Write("diff/big", 0, 10000, 2));          // 7
        o.add(new FsOp.Write("diff/big", 10000, 5000, 2));       // 8
        o.add(new FsOp.Rename("diff/big", "diff/big2"));         // 9
        return o;
    }

    @Test
    void shardsTogetherCoverExactlyTheUnshardedStates() {
        List<CrashState> all = CrashStates.generate(ops(), 50, 7, CrashStates.Shard.ALL);
        assertEquals(50, all.size());
        List<CrashState> union = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (int k = 1; k <= 4; k++) {
            for (CrashState s : CrashStates.generate(ops(), 50, 7, new CrashStates.Shard(k, 4))) {
                assertTrue(seen.add(s.index()), "state " + s.index() + " in two shards");
                union.add(s);
            }
        }
        union.sort(java.util.Comparator.comparingInt(CrashState::index));
        assertEquals(all, union);
        assertEquals(CrashStates.Shard.parse("3/4"), new CrashStates.Shard(3, 4));
    }

    @Test
    void aSeedGivesTheSameStatesAnotherSeedOthers() {
        assertEquals(CrashStates.generate(ops(), 40, 1, CrashStates.Shard.ALL), CrashStates.generate(ops(), 40, 1, CrashStates.Shard.ALL));
        assertNotEquals(CrashStates.generate(ops(), 40, 1, CrashStates.Shard.ALL), CrashStates.generate(ops(), 40, 2, CrashStates.Shard.ALL));
    }

    @Test
    void theModelKeepsWhatWasSyncedAndLosesOnlyWhatWasNot() {
        List<FsOp> ops = ops();
        assertEquals(List.of(4, 5, 10), CrashStates.fixedPoints(ops));
        List<CrashState> states = CrashStates.generate(ops, 400, 11, CrashStates.Shard.ALL);
        for (int i = 0; i < 3; i++) {
            assertTrue(states.get(i).fixedPoint());
            assertEquals(states.get(i).crashPoint(), states.get(i).metadataCut());
        }
        boolean lostRename = false;
        boolean cut = false;
        boolean empty = false;
        for (CrashState s : states) {
            List<FsOp> on = s.ops(ops);
            assertTrue(on.stream().noneMatch(FsOp.Sync.class::isInstance));
            if (s.crashPoint() > 3) {
                // synced: the write-set's size write and everything before the fsync
                assertTrue(on.contains(ops.get(2)) && on.contains(ops.get(0)) && on.contains(ops.get(1)), s.toString());
                assertFalse(s.writes().containsKey(2));
            }
            for (int i = s.crashPoint(); i < ops.size(); i++) {
                assertFalse(on.contains(ops.get(i)) && !(ops.get(i) instanceof FsOp.Write), "op " + i + " after the crash: " + s);
            }
            assertTrue(s.metadataCut() <= s.crashPoint());
            lostRename |= s.crashPoint() >= 5 && !on.contains(ops.get(4));
            for (FsOp op : on) {
                if (op instanceof FsOp.Write w && w.inode() == 2 && w.length() < 10000 && w.offset() == 0) {
                    assertEquals(8192, w.length(), "a cut write ends at a 4 KiB boundary");
                    cut = true;
                }
            }
            empty |= s.crashPoint() >= 8 && s.writes().get(7) == CrashState.Persisted.EMPTY && !on.contains(ops.get(7));
        }
        assertTrue(lostRename && cut && empty, "the states include a lost rename, a cut write and an empty one");
    }

    @Test
    void aStateIsUnfaithfulWhenAWriteInItIsOverwrittenAfterTheCrash() {
        List<FsOp> ops = new ArrayList<>(ops());
        ops.add(new FsOp.Write("diff/big2", 4096, 100, 2)); // 10: a page of the big file rewritten in place
        assertTrue(!CrashStates.faithful(ops, new CrashState(0, 9, 9, Map.of(), false)), "write 7 replays with write 10's bytes");
        assertTrue(CrashStates.faithful(ops, new CrashState(0, 9, 9, Map.of(7, CrashState.Persisted.EMPTY), false)));
        assertTrue(CrashStates.faithful(ops, new CrashState(0, 11, 11, Map.of(), false)), "both in: the final bytes are right");
        assertTrue(CrashStates.faithful(ops, new CrashState(0, 5, 5, Map.of(), false)));
    }

    @Test
    void aWriteWhoseBytesTheLogKeptReplaysWithThoseEvenWhenOverwrittenLater() throws Exception {
        Path before = Files.createDirectories(tmp.resolve("before2"));
        Path after = Files.createDirectories(tmp.resolve("after2"));
        Files.writeString(after.resolve("meta.db"), "CCCC");
        List<FsOp> ops = List.of(new FsOp.Create("meta.db", 0644, 1),
                new FsOp.Write("meta.db", 0, 4, 1, "AAAA".getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                new FsOp.Sync("meta.db", FsOp.Sync.Kind.FDATASYNC, 1),
                new FsOp.Write("meta.db", 0, 4, 1, "CCCC".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        Recording rec = new Recording(before, after, ops, Map.of(1, List.of("meta.db")), List.of(), Map.of());
        CrashState s = new CrashState(0, 3, 3, Map.of(), true);
        assertTrue(CrashStates.faithful(ops, s), "the first write's bytes are its own");
        Path r = tmp.resolve("kept");
        Replayer.replay(rec, s.ops(ops), r);
        assertEquals("AAAA", Files.readString(r.resolve("meta.db")), "the bytes of the crash time, not the last ones");
        // the same ops without kept bytes: the later bytes, and the state says it is unfaithful
        List<FsOp> blind = List.of(ops.get(0), new FsOp.Write("meta.db", 0, 4, 1), ops.get(2), new FsOp.Write("meta.db", 0, 4, 1));
        assertTrue(!CrashStates.faithful(blind, s));
        Path r2 = tmp.resolve("blind");
        Replayer.replay(new Recording(before, after, blind, Map.of(1, List.of("meta.db")), List.of(), Map.of()), s.ops(blind), r2);
        assertEquals("CCCC", Files.readString(r2.resolve("meta.db")));
        // a write cut at 4 KiB keeps the prefix of its bytes
        byte[] big = new byte[5000];
        java.util.Arrays.fill(big, (byte) 'x');
        FsOp.Write w = new FsOp.Write("meta.db", 0, 5000, 1, big);
        List<FsOp> cutOps = List.of(ops.get(0), w);
        FsOp cut = new CrashState(0, 2, 2, Map.of(1, CrashState.Persisted.CUT_4K), false).ops(cutOps).get(1);
        assertEquals(new FsOp.Write("meta.db", 0, 4096, 1, java.util.Arrays.copyOf(big, 4096)), cut);
    }

    @Test
    void aStateReplaysToTheFilesItDescribes() throws Exception {
        Path before = Files.createDirectories(tmp.resolve("before"));
        Path after = Files.createDirectories(tmp.resolve("after"));
        Files.createDirectories(after.resolve("layer"));
        Files.setPosixFilePermissions(after.resolve("layer"), java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Files.writeString(after.resolve("layer/size"), "1234");
        Files.createDirectories(after.resolve("diff"));
        byte[] big = new byte[15000];
        new java.util.Random(1).nextBytes(big);
        Files.write(after.resolve("diff/big2"), big);
        Recording rec = new Recording(before, after, ops(), Map.of(1, List.of("layer/size"), 2, List.of("diff/big2")),
                List.of(), Map.of());
        // everything issued, whole: the after state
        CrashState whole = new CrashState(0, 10, 10, Map.of(), false);
        Path a = tmp.resolve("whole");
        Replayer.replay(rec, whole.ops(rec.ops()), a);
        assertEquals(dev.dockfsck.fixtures.store.TreeSnapshot.of(after, false), dev.dockfsck.fixtures.store.TreeSnapshot.of(a, false));
        // the rename of the big file and its second write lost, the first cut: 8192 bytes under the old name
        CrashState torn = new CrashState(1, 10, 9, Map.of(7, CrashState.Persisted.CUT_4K, 8, CrashState.Persisted.EMPTY), false);
        Path b = tmp.resolve("torn");
        Replayer.replay(rec, torn.ops(rec.ops()), b);
        assertEquals(8192, Files.size(b.resolve("diff/big")));
        assertFalse(Files.exists(b.resolve("diff/big2")));
        assertEquals("1234", Files.readString(b.resolve("layer/size")));
        assertTrue(torn.describe(rec.ops()).contains("lost"), torn.describe(rec.ops()));
    }
}
