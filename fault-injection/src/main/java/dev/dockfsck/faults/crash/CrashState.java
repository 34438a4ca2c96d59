package dev.dockfsck.faults.crash;

import dev.dockfsck.faults.record.FsOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One power-cut state of a recorded operation: the crash came after the first {@code crashPoint}
 * ops were issued; metadata ops persisted in order up to {@code metadataCut} (at most the crash
 * point, at least the last sync before it: a lost tail of un-synced renames and dir entries);
 * each write not made durable by a sync before the crash persisted as {@link #writes} says.
 */
public record CrashState(int index, int crashPoint, int metadataCut, Map<Integer, Persisted> writes, boolean fixedPoint) {
    /** What survived of a write. */
    public enum Persisted { COMPLETE, EMPTY, CUT_4K }

    public CrashState {
        writes = java.util.Collections.unmodifiableMap(new TreeMap<>(writes));
    }

    /** The ops that reached the disk, in order, a cut write shortened to its last 4 KiB boundary. */
    public List<FsOp> ops(List<FsOp> recorded) {
        List<FsOp> out = new ArrayList<>();
        for (int i = 0; i < crashPoint; i++) {
            FsOp op = recorded.get(i);
            if (op instanceof FsOp.Write w) {
                Persisted p = writes.getOrDefault(i, Persisted.COMPLETE);
                if (p == Persisted.COMPLETE) {
                    out.add(w);
                } else if (p == Persisted.CUT_4K) {
                    long end = (w.offset() + w.length()) / 4096 * 4096;
                    if (end > w.offset()) {
                        out.add(w.prefix(end - w.offset()));
                    }
                }
            } else if (op instanceof FsOp.Sync) {
                continue;
            } else if (i < metadataCut) {
                out.add(op);
            }
        }
        return out;
    }

    /** A short name: what the crash point follows, what was lost. */
    public String describe(List<FsOp> recorded) {
        String last = crashPoint == 0 ? "before the first op" : "after op " + (crashPoint - 1) + " " + summary(recorded.get(crashPoint - 1));
        long lostWrites = writes.values().stream().filter(p -> p != Persisted.COMPLETE).count();
        return "crash " + last + (metadataCut < crashPoint ? ", metadata ops " + metadataCut + ".." + (crashPoint - 1) + " lost" : "")
                + (lostWrites > 0 ? ", " + lostWrites + " un-synced write(s) empty or cut" : "");
    }

    static String summary(FsOp op) {
        String n = op.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
        return n + " " + dev.dockfsck.faults.record.RawRel.display(op.path());
    }

    /** The crash phase: the part of the store the op at the crash point writes. */
    public String phase(List<FsOp> recorded) {
        if (crashPoint == 0) {
            return "start";
        }
        String p = recorded.get(crashPoint - 1).path();
        if (p.startsWith("containerd/")) {
            return "containerd";
        }
        if (p.startsWith("tmp/")) {
            return "import-tmp";
        }
        if (p.startsWith("overlay2/")) {
            return "overlay2";
        }
        if (p.contains("layerdb/tmp/") || p.contains("layerdb/sha256/")) {
            return "layerdb";
        }
        if (p.contains("imagedb/")) {
            return "imagedb";
        }
        if (p.endsWith("repositories.json") || p.contains("repositories.json")) {
            return "repositories";
        }
        return "other";
    }
}
