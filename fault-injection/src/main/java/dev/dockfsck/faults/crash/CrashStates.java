package dev.dockfsck.faults.crash;

import dev.dockfsck.faults.record.FsOp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The crash-state generator (the ALICE / CrashMonkey model) over a recording's ops:
 * <ul>
 *   <li>a crash point k: the first k ops were issued;</li>
 *   <li>metadata ops (create, truncate, rename, link, unlink, mkdir, rmdir, symlink, mknod,
 *       setxattr, chmod, chown) persist in order: a prefix of them, at least up to the last sync
 *       before k (a sync commits the file system's journal, and every metadata op before it),
 *       may end anywhere before k: renames and directory entries no sync made durable are lost
 *       from the tail;</li>
 *   <li>a write issued before k persists whole when a sync of its file (fsync, fdatasync) or of
 *       the file system (syncfs) came after it and before k; otherwise it may be complete, absent
 *       (the file keeps its size before the write: empty when new), or cut at a 4 KiB
 *       boundary.</li>
 * </ul>
 * States are numbered; the first ones are the fixed points (right after every sync and every
 * rename: metadata whole, un-synced data chosen at random), then random crash points. State i
 * depends only on (seed, i), so a shard K/N (the states with i mod N = K-1) of a campaign is
 * exactly its part of the unsharded one.
 */
public final class CrashStates {
    private CrashStates() {
    }

    /** A shard K of N (1-based); 1/1 is everything. */
    public record Shard(int k, int n) {
        public Shard {
            if (n < 1 || k < 1 || k > n) {
                throw new IllegalArgumentException("a shard is K/N with 1 <= K <= N, got " + k + "/" + n);
            }
        }

        public static final Shard ALL = new Shard(1, 1);

        public static Shard parse(String s) {
            String[] p = s.split("/");
            if (p.length != 2) {
                throw new IllegalArgumentException("a shard is K/N, got " + s);
            }
            return new Shard(Integer.parseInt(p[0].strip()), Integer.parseInt(p[1].strip()));
        }

        public boolean holds(int index) {
            return index % n == k - 1;
        }
    }

    /** The indices of the ops right after which a fixed-point crash comes: every sync and every rename. */
    public static List<Integer> fixedPoints(List<FsOp> ops) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i) instanceof FsOp.Sync || ops.get(i) instanceof FsOp.Rename) {
                out.add(i + 1);
            }
        }
        return out;
    }

    /** States 0..count-1 of {@code seed} that belong to {@code shard}. */
    public static List<CrashState> generate(List<FsOp> ops, int count, long seed, Shard shard) {
        List<Integer> fixed = fixedPoints(ops);
        List<CrashState> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (shard.holds(i)) {
                out.add(state(ops, fixed, seed, i));
            }
        }
        return out;
    }

    /** State {@code index} of {@code seed}. */
    public static CrashState state(List<FsOp> ops, List<Integer> fixed, long seed, int index) {
        SplittableRandom r = new SplittableRandom(mix(seed, index));
        boolean fixedPoint = index < fixed.size();
        int k = fixedPoint ? fixed.get(index) : r.nextInt(ops.size() + 1);
        int lastSync = 0;
        for (int i = 0; i < k; i++) {
            if (ops.get(i) instanceof FsOp.Sync) {
                lastSync = i + 1;
            }
        }
        int m = fixedPoint ? k : lastSync + r.nextInt(k - lastSync + 1);
        // writes made durable before k: a later sync of the same inode, or of the file system
        Set<Integer> durable = new HashSet<>();
        Map<Integer, List<Integer>> pendingByInode = new HashMap<>();
        List<Integer> allPending = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            FsOp op = ops.get(i);
            if (op instanceof FsOp.Write w) {
                pendingByInode.computeIfAbsent(w.inode(), x -> new ArrayList<>()).add(i);
                allPending.add(i);
            } else if (op instanceof FsOp.Sync s) {
                if (s.kind() == FsOp.Sync.Kind.SYNCFS) {
                    durable.addAll(allPending);
                    pendingByInode.clear();
                    allPending.clear();
                } else {
                    List<Integer> p = pendingByInode.remove(s.inode());
                    if (p != null) {
                        durable.addAll(p);
                    }
                }
            }
        }
        Map<Integer, CrashState.Persisted> writes = new HashMap<>();
        CrashState.Persisted[] choices = CrashState.Persisted.values();
        for (int i = 0; i < k; i++) {
            if (ops.get(i) instanceof FsOp.Write && !durable.contains(i)) {
                CrashState.Persisted p = choices[r.nextInt(choices.length)];
                if (p != CrashState.Persisted.COMPLETE) {
                    writes.put(i, p);
                }
            }
        }
        return new CrashState(index, k, m, writes, fixedPoint);
    }

    /**
     * Whether replaying {@code s} gives the bytes the disk held: a write's bytes are read where its
     * inode ends up, so a range written again after the crash point (a database page rewritten in
     * place: containerd's bolt meta.db during a pull) replays with the later bytes, which the
     * disk never held at the crash. False when such a write is in the state; a write whose bytes the
     * log kept ({@link FsOp.Write#data}) replays with those and is always faithful.
     */
    public static boolean faithful(List<FsOp> ops, CrashState s) {
        for (int i = 0; i < s.crashPoint(); i++) {
            if (!(ops.get(i) instanceof FsOp.Write w) || w.data() != null || s.writes().get(i) == CrashState.Persisted.EMPTY) {
                continue;
            }
            for (int j = s.crashPoint(); j < ops.size(); j++) {
                if (ops.get(j) instanceof FsOp.Write later && later.inode() == w.inode()
                        && later.offset() < w.offset() + w.length() && w.offset() < later.offset() + later.length()) {
                    return false;
                }
            }
        }
        return true;
    }

    static long mix(long seed, int index) {
        long z = seed * 0x9E3779B97F4A7C15L + index;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
