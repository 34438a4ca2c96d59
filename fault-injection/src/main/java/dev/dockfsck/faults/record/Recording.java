package dev.dockfsck.faults.record;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * A recorded operation: the data root before it ({@code before}, a copy), after it ({@code after},
 * a copy), and the file-system ops between, in order. A write's bytes come from where its inode is
 * in {@code after}; for an inode that did not survive (the archive copy in
 * {@code tmp/docker-import-N/}) from the member of the loaded archive of the same name, else zeros.
 */
public record Recording(Path before, Path after, List<FsOp> ops, Map<Integer, List<String>> finalNames,
                        List<Path> archives, Map<String, Integer> skipped) {
    public Recording {
        ops = List.copyOf(ops);
        archives = List.copyOf(archives);
    }

    /** The archive the n-th {@code tmp/docker-import-*} dir of the recording was a copy of (loads run in order). */
    Optional<Path> archiveOf(String rel) {
        String dir = rel.substring(0, rel.indexOf('/', "tmp/".length()));
        java.util.LinkedHashSet<String> dirs = new java.util.LinkedHashSet<>();
        for (FsOp op : ops) {
            if (op instanceof FsOp.Mkdir m && m.path().startsWith("tmp/docker-import-") && m.path().indexOf('/', 4) < 0) {
                dirs.add(m.path());
            }
        }
        int n = new java.util.ArrayList<>(dirs).indexOf(dir);
        return n >= 0 && n < archives.size() ? Optional.of(archives.get(n)) : Optional.empty();
    }

    /**
     * The bytes {@code w} wrote: those the log kept, else as they are where its inode is at the end
     * of the operation.
     */
    public byte[] content(FsOp.Write w) throws IOException {
        if (w.data() != null) {
            return w.data();
        }
        byte[] out = new byte[(int) w.length()];
        for (String name : finalNames.getOrDefault(w.inode(), List.of())) {
            Path p = RawRel.resolve(after, name);
            if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                    ByteBuffer b = ByteBuffer.wrap(out);
                    while (b.hasRemaining() && ch.read(b, w.offset() + b.position()) > 0) {
                        // reads up to the file's end; the rest stays zero
                    }
                }
                return out;
            }
        }
        String member = importMember(w.path());
        Optional<Path> archive = member == null ? Optional.empty() : archiveOf(w.path());
        if (archive.isPresent()) {
            byte[] m = archiveMember(archive.get(), member);
            if (m != null && w.offset() < m.length) {
                System.arraycopy(m, (int) w.offset(), out, 0, (int) Math.min(out.length, m.length - w.offset()));
            }
        }
        return out;
    }

    private final static Map<String, byte[]> MEMBERS = new HashMap<>();

    /** {@code tmp/docker-import-N/<member>}: the member's name, else null */
    static String importMember(String rel) {
        if (!rel.startsWith("tmp/docker-import-")) {
            return null;
        }
        int slash = rel.indexOf('/', "tmp/".length());
        return slash < 0 ? null : rel.substring(slash + 1);
    }

    private static byte[] archiveMember(Path archive, String name) throws IOException {
        String key = archive + "!" + name;
        synchronized (MEMBERS) {
            if (MEMBERS.containsKey(key)) {
                return MEMBERS.get(key);
            }
        }
        byte[] found = null;
        try (InputStream in = Files.newInputStream(archive); TarArchiveInputStream t = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = t.getNextEntry()) != null) {
                String n = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
                if (n.equals(name) && e.isFile()) {
                    found = t.readAllBytes();
                    break;
                }
            }
        }
        synchronized (MEMBERS) {
            MEMBERS.put(key, found);
        }
        return found;
    }
}
