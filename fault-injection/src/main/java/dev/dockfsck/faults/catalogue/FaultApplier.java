package dev.dockfsck.faults.catalogue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Applies a fault of the {@link Catalogue} to a data root. Every path it writes is inside the root
 * and reached without following a symbolic link ({@link SafePaths}); the target a seed picks is
 * the same on the same store. Does not check for a live engine: callers (the CLI, the campaign)
 * refuse a live root first.
 */
public final class FaultApplier {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    /** where a dangling short link points: a cache-id no store has */
    public static final String DANGLING_TARGET = "../0123456789abcdef0123456789abcdef01234567/diff";

    private FaultApplier() {
    }

    /** One change made: a path relative to the root, and what happened to it. */
    public record Change(String path, String what) {
        @Override
        public String toString() {
            return path + ": " + what;
        }
    }

    /** What applying a fault did. */
    public record Applied(String faultId, String target, List<Change> changes) {
    }

    /** Refused: no such target for this fault, or none at all in the store. */
    public static final class NoTargetException extends IOException {
        private static final long serialVersionUID = 1L;

        NoTargetException(String message) {
            super(message);
        }
    }

    /** The targets {@code fault} can hit in {@code root}, relative to it, sorted. */
    public static List<String> candidates(Path root, Fault fault) throws IOException {
        Path r = SafePaths.root(root);
        List<String> out = new ArrayList<>();
        for (String rel : fault.kind().find(r)) {
            if (applies(r.resolve(rel), fault.mutation())) {
                out.add(rel);
            }
        }
        return out;
    }

    /** One fault on one target. */
    public record Hit(Fault fault, String target) {
    }

    /** Every fault of {@code faults} on every target it has in {@code root}, by target, then in the faults' order. */
    public static List<Hit> hits(Path root, List<Fault> faults) throws IOException {
        List<Hit> out = new ArrayList<>();
        for (Fault f : faults) {
            for (String t : candidates(root, f)) {
                out.add(new Hit(f, t));
            }
        }
        out.sort(java.util.Comparator.comparing(Hit::target));
        return out;
    }

    /** The target {@code seed} picks among {@code candidates} (never empty). */
    public static String pick(List<String> candidates, long seed) {
        return candidates.get(new SplittableRandom(seed).nextInt(candidates.size()));
    }

    /**
     * Applies {@code fault} to {@code target} (relative to the root; one of its {@link #candidates})
     * or, when empty, to the target {@code seed} picks.
     */
    public static Applied apply(Path root, Fault fault, Optional<String> target, long seed) throws IOException {
        Path r = SafePaths.root(root);
        List<String> cands = candidates(r, fault);
        String t;
        if (target.isPresent()) {
            t = r.getFileSystem().getPath(target.get()).normalize().toString();
            SafePaths.resolve(r, target.get());
            if (!cands.contains(t)) {
                throw new NoTargetException(target.get() + " is not a target of " + fault.id() + " in " + r
                        + (cands.isEmpty() ? " (it has none)" : "; its targets: " + String.join(", ", cands)));
            }
        } else {
            if (cands.isEmpty()) {
                throw new NoTargetException(fault.id() + " has no target in " + r);
            }
            t = pick(cands, seed);
        }
        return new Applied(fault.id(), t, mutate(r, t, fault.mutation(), seed));
    }

    /** The other names of {@code p}'s inode under {@code root} (hard links), when it has any. */
    static List<String> otherNames(Path root, Path p) throws IOException {
        if (!Files.isRegularFile(p, NOFOLLOW) || ((Number) Files.getAttribute(p, "unix:nlink", NOFOLLOW)).intValue() < 2) {
            return List.of();
        }
        Object key = Files.readAttributes(p, BasicFileAttributes.class, NOFOLLOW).fileKey();
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path q : s.sorted().toList()) {
                if (!q.equals(p) && Files.isRegularFile(q, NOFOLLOW)
                        && key.equals(Files.readAttributes(q, BasicFileAttributes.class, NOFOLLOW).fileKey())) {
                    out.add(root.relativize(q).toString());
                }
            }
        }
        return out;
    }

    /** Whether {@code mutation} can change {@code p} (a regular file big enough, a link, a directory). */
    public static boolean applies(Path p, Mutation mutation) throws IOException {
        boolean file = Files.isRegularFile(p, NOFOLLOW);
        long size = file ? Files.size(p) : -1;
        return switch (mutation) {
            case EMPTY, GARBLE -> size > 0;
            case TRUNCATE_HALF -> size > 1;
            case TRUNCATE_4K -> size > 4096;
            case DELETE -> file || Files.isSymbolicLink(p);
            case DANGLING_SYMLINK -> Files.isSymbolicLink(p);
            case REMOVE_DIR, HALF_EXTRACTED_DIR, STALE_WRITE_SET, INTERRUPTED_REMOVAL -> Files.isDirectory(p, NOFOLLOW);
        };
    }

    /**
     * Applies {@code mutation} to {@code rel} under {@code root} (which must already be real: see
     * {@link SafePaths#root}); the seed names what a leftover is called.
     */
    public static List<Change> mutate(Path root, String rel, Mutation mutation, long seed) throws IOException {
        Path p = SafePaths.resolve(root, rel);
        if (!applies(p, mutation)) {
            throw new NoTargetException(mutation.id() + " cannot change " + rel + " (" + kindOf(p) + ")");
        }
        List<Change> out = new ArrayList<>();
        for (String other : otherNames(root, p)) {
            out.add(new Change(other, mutation == Mutation.DELETE ? "a hard link of " + rel + ", one name fewer"
                    : "a hard link of " + rel + ": the same bytes changed"));
        }
        switch (mutation) {
            case EMPTY -> out.add(new Change(rel, "emptied (was " + truncate(p, 0) + " bytes)"));
            case TRUNCATE_HALF -> {
                long size = Files.size(p);
                truncate(p, size / 2);
                out.add(new Change(rel, "cut from " + size + " to " + size / 2 + " bytes"));
            }
            case TRUNCATE_4K -> {
                long size = Files.size(p);
                long at = (size - 1) / 4096 * 4096;
                truncate(p, at);
                out.add(new Change(rel, "cut from " + size + " to " + at + " bytes (a 4 KiB boundary)"));
            }
            case DELETE -> {
                String was = kindOf(p);
                Files.delete(p);
                out.add(new Change(rel, "deleted (" + was + ")"));
            }
            case GARBLE -> {
                long size = Files.size(p);
                int len = (int) Math.min(16, size);
                long at = size / 2 - len / 2;
                garble(p, at, len);
                out.add(new Change(rel, len + " bytes at " + at + " garbled (XOR 0x5A), size " + size + " kept"));
            }
            case REMOVE_DIR -> out.add(new Change(rel, "removed (" + removeTree(p) + " entries)"));
            case DANGLING_SYMLINK -> {
                String was = Files.readSymbolicLink(p).toString();
                Files.delete(p);
                Files.createSymbolicLink(p, p.getFileSystem().getPath(DANGLING_TARGET));
                out.add(new Change(rel, "points at " + DANGLING_TARGET + " (was " + was + ")"));
            }
            case HALF_EXTRACTED_DIR -> halfExtracted(root, rel, p, seed, out);
            case STALE_WRITE_SET -> {
                Path tmp = SafePaths.resolve(root, "image/overlay2/layerdb/tmp");
                if (!Files.isDirectory(tmp, NOFOLLOW)) {
                    Files.createDirectories(tmp);
                    out.add(new Change(root.relativize(tmp).toString(), "created"));
                }
                String name = "write-set-" + Integer.toUnsignedString(new Random(seed).nextInt());
                Path ws = SafePaths.resolve(root, "image/overlay2/layerdb/tmp/" + name);
                Files.createDirectory(ws);
                int n = 0;
                for (Path f : list(p)) {
                    if (Files.isRegularFile(f, NOFOLLOW)) {
                        Files.copy(f, ws.resolve(f.getFileName().toString()), NOFOLLOW);
                        n++;
                    }
                }
                out.add(new Change(root.relativize(ws).toString(), "created: a copy of " + n + " files of " + rel));
            }
            case INTERRUPTED_REMOVAL -> {
                String name = p.getFileName() + "-" + hex(sha256("removing " + rel + " " + seed)) + "-removing";
                Path to = SafePaths.resolve(root, root.relativize(p.getParent()) + "/" + name);
                Files.move(p, to, StandardCopyOption.ATOMIC_MOVE);
                out.add(new Change(rel, "renamed to " + root.relativize(to)));
                out.add(new Change(root.relativize(to).toString(), "the layer dir, renamed from " + rel));
            }
        }
        return out;
    }

    /**
     * A new overlay2 dir as dockerd's {@code create} makes it ({@code diff/}, an {@code l/} link,
     * {@code link}) holding the first half of the source layer's entries, the last regular file
     * copied cut at half: the extraction of a layer cut off, never registered.
     */
    private static void halfExtracted(Path root, String rel, Path src, long seed, List<Change> out) throws IOException {
        String id = hex(sha256("half-extracted " + rel + " " + seed));
        Path dir = SafePaths.resolve(root, "overlay2/" + id);
        Path diff = Files.createDirectories(dir.resolve("diff"));
        Random r = new Random(seed);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        StringBuilder lid = new StringBuilder();
        for (int i = 0; i < 26; i++) {
            lid.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        Path l = SafePaths.resolve(root, "overlay2/l");
        Files.createDirectories(l);
        Files.createSymbolicLink(l.resolve(lid.toString()), root.getFileSystem().getPath("../" + id + "/diff"));
        Files.writeString(dir.resolve("link"), lid, StandardCharsets.US_ASCII);
        Path from = src.resolve("diff");
        List<Path> entries;
        try (Stream<Path> s = Files.walk(from)) {
            entries = s.filter(e -> !e.equals(from)).sorted().toList();
        }
        int half = Math.max(1, entries.size() / 2);
        Path lastFile = null;
        for (Path e : entries.subList(0, Math.min(half, entries.size()))) {
            Path to = diff.resolve(from.relativize(e).toString());
            Files.createDirectories(to.getParent());
            if (Files.isSymbolicLink(e)) {
                Files.createSymbolicLink(to, Files.readSymbolicLink(e));
            } else if (Files.isDirectory(e, NOFOLLOW)) {
                Files.createDirectories(to);
            } else if (Files.isRegularFile(e, NOFOLLOW)) {
                Files.copy(e, to, NOFOLLOW);
                lastFile = to;
            }
        }
        String cut = "";
        if (lastFile != null && Files.size(lastFile) > 1) {
            long size = Files.size(lastFile);
            truncate(lastFile, size / 2);
            cut = ", the last file " + diff.relativize(lastFile) + " cut from " + size + " to " + size / 2 + " bytes";
        }
        out.add(new Change("overlay2/" + id, "created: " + half + " of the " + entries.size() + " entries of "
                + rel + "/diff" + cut + ", link " + lid + ", no layerdb entry"));
        out.add(new Change("overlay2/l/" + lid, "created -> ../" + id + "/diff"));
    }

    /** Cuts a regular file to {@code size} bytes without following a link; returns its former size. */
    public static long truncate(Path p, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE, NOFOLLOW)) {
            long was = ch.size();
            ch.truncate(size);
            return was;
        }
    }

    /** {@code len} bytes of {@code file} from {@code at} changed (XOR 0x5A), the size kept. */
    public static void garble(Path file, long at, int len) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, NOFOLLOW)) {
            ByteBuffer b = ByteBuffer.allocate(len);
            ch.read(b, at);
            for (int i = 0; i < len; i++) {
                b.put(i, (byte) (b.get(i) ^ 0x5A));
            }
            b.rewind();
            ch.write(b, at);
        }
    }

    /** Removes a tree without following links; returns how many entries went. */
    public static int removeTree(Path dir) throws IOException {
        int[] n = {0};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                Files.delete(f);
                n[0]++;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                n[0]++;
                return FileVisitResult.CONTINUE;
            }
        });
        return n[0];
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    static String kindOf(Path p) {
        if (Files.isSymbolicLink(p)) {
            return "symbolic link";
        }
        if (Files.isDirectory(p, NOFOLLOW)) {
            return "directory";
        }
        if (Files.isRegularFile(p, NOFOLLOW)) {
            return "regular file";
        }
        return Files.exists(p, NOFOLLOW) ? "special file" : "missing";
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
