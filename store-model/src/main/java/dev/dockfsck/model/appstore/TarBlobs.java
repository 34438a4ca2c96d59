package dev.dockfsck.model.appstore;

import dev.dockfsck.model.Defect;
import dev.dockfsck.model.Parsed;
import dev.dockfsck.model.Texts;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * The entries of a docker-archive tarball (plain, or gzip-compressed as {@code docker save | gzip}).
 * Names are resolved inside the archive only: links are followed within the archive namespace
 * ({@code docker save} of 20.10 writes symlinks for layers shared by two images), and a name or
 * link that leaves the archive root is refused. Nothing outside the archive file is ever read.
 */
final class TarBlobs implements BlobAccess {
    private final Path file;
    private final boolean gzip;
    private final TarFile tar;
    private final Map<String, TarArchiveEntry> entries = new HashMap<>();

    private TarBlobs(Path file, boolean gzip, TarFile tar) {
        this.file = file;
        this.gzip = gzip;
        this.tar = tar;
    }

    static TarBlobs open(Path file) throws IOException {
        boolean gz;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            gz = Compression.sniff(in) == Compression.GZIP;
        }
        if (gz) {
            TarBlobs t = new TarBlobs(file, true, null);
            try (TarArchiveInputStream in = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(file), 65536))) {
                TarArchiveEntry e;
                while ((e = in.getNextEntry()) != null) {
                    t.index(e);
                }
            }
            return t;
        }
        TarFile tf = new TarFile(file);
        TarBlobs t = new TarBlobs(file, false, tf);
        for (TarArchiveEntry e : tf.getEntries()) {
            t.index(e);
        }
        return t;
    }

    private void index(TarArchiveEntry e) {
        normalize(e.getName()).ifPresent(n -> entries.putIfAbsent(n, e));
    }

    /**
     * An archive-relative name without "./", "//" or a trailing "/"; empty when it is absolute,
     * contains "..", a NUL, or is empty.
     */
    static Optional<String> normalize(String name) {
        if (name == null || name.isEmpty() || name.startsWith("/") || name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
            return Optional.empty();
        }
        StringBuilder b = new StringBuilder();
        for (String part : name.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                return Optional.empty();
            }
            if (b.length() > 0) {
                b.append('/');
            }
            b.append(part);
        }
        return b.length() == 0 ? Optional.empty() : Optional.of(b.toString());
    }

    /** Resolves a link target relative to a directory of the archive, refusing to leave its root. */
    private static Optional<String> resolveRelative(String dir, String target) {
        if (target.startsWith("/") || target.indexOf('\0') >= 0) {
            return Optional.empty();
        }
        Deque<String> parts = new ArrayDeque<>();
        if (!dir.isEmpty()) {
            for (String p : dir.split("/")) {
                parts.addLast(p);
            }
        }
        for (String p : target.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    return Optional.empty();
                }
                parts.removeLast();
            } else {
                parts.addLast(p);
            }
        }
        return parts.isEmpty() ? Optional.empty() : Optional.of(String.join("/", parts));
    }

    private sealed interface Resolved {
    }

    private record Found(String name, TarArchiveEntry entry) implements Resolved {
    }

    private record NotFound(Problem problem) implements Resolved {
    }

    private Resolved resolve(String location) {
        Optional<String> norm = normalize(location);
        if (norm.isEmpty()) {
            return new NotFound(new Problem(AppStoreFinding.Code.APPSTORE_REFUSED_PATH, location,
                    "archive entry name " + Texts.quote(location) + " is absolute or contains '..': refused"));
        }
        String name = norm.get();
        for (int hops = 0; hops < 16; hops++) {
            TarArchiveEntry e = entries.get(name);
            if (e == null) {
                return new NotFound(new Problem(AppStoreFinding.Code.APPSTORE_BLOB_MISSING, location,
                        "archive entry " + Texts.quote(name) + " is missing"));
            }
            if (e.isSymbolicLink() || e.isLink()) {
                String dir = e.isLink() ? "" : (name.contains("/") ? name.substring(0, name.lastIndexOf('/')) : "");
                Optional<String> next = resolveRelative(dir, e.getLinkName());
                if (next.isEmpty()) {
                    return new NotFound(new Problem(AppStoreFinding.Code.APPSTORE_REFUSED_PATH, location,
                            "archive entry " + Texts.quote(name) + " links outside the archive ("
                                    + Texts.quote(e.getLinkName()) + "): refused"));
                }
                name = next.get();
                continue;
            }
            if (!e.isFile()) {
                return new NotFound(new Problem(AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT, location,
                        "archive entry " + Texts.quote(name) + " is not a regular file"));
            }
            return new Found(name, e);
        }
        return new NotFound(new Problem(AppStoreFinding.Code.APPSTORE_REFUSED_PATH, location,
                "archive entry " + Texts.quote(location) + ": too many links"));
    }

    /** The compression of an entry, from its first bytes; UNKNOWN when it cannot be read. */
    Compression sniff(String location) {
        if (!(resolve(location) instanceof Found f)) {
            return Compression.UNKNOWN;
        }
        try (InputStream in = new BufferedInputStream(openEntry(f), 16)) {
            return Compression.sniff(in);
        } catch (IOException e) {
            return Compression.UNKNOWN;
        }
    }

    /** The size of the entry the name resolves to, or -1. */
    long sizeOf(String location) {
        return resolve(location) instanceof Found f ? f.entry().getSize() : -1;
    }

    @Override
    public String pathOf(BlobRef ref) {
        return ref.location();
    }

    @Override
    public Optional<Problem> check(BlobRef ref) {
        Resolved r = resolve(ref.location());
        if (r instanceof NotFound nf) {
            return Optional.of(nf.problem());
        }
        Found f = (Found) r;
        if (ref.size() >= 0 && f.entry().getSize() != ref.size()) {
            return Optional.of(new Problem(AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT, ref.location(),
                    "archive entry " + Texts.quote(ref.location()) + " has " + f.entry().getSize() + " bytes, expected " + ref.size()));
        }
        return Optional.empty();
    }

    @Override
    public Parsed<byte[]> readAll(BlobRef ref, long max) {
        Resolved r = resolve(ref.location());
        if (r instanceof NotFound nf) {
            Defect.Kind k = nf.problem().code() == AppStoreFinding.Code.APPSTORE_BLOB_MISSING ? Defect.Kind.MISSING
                    : Defect.Kind.MALFORMED;
            return Parsed.bad(new Defect(k, Path.of(ref.location().replace('\0', '?')), nf.problem().detail()));
        }
        Found f = (Found) r;
        if (f.entry().getSize() > max) {
            return Parsed.bad(new Defect(Defect.Kind.TOO_LARGE, Path.of(f.name()), "over " + max + " bytes"));
        }
        try (InputStream in = openEntry(f)) {
            return Parsed.ok(in.readAllBytes());
        } catch (IOException e) {
            return Parsed.bad(new Defect(Defect.Kind.UNREADABLE, Path.of(f.name()), String.valueOf(e.getMessage())));
        }
    }

    @Override
    public InputStream openRaw(BlobRef ref) throws IOException {
        Resolved r = resolve(ref.location());
        if (r instanceof NotFound nf) {
            throw new BlobProblemException(nf.problem());
        }
        return openEntry((Found) r);
    }

    private InputStream openEntry(Found f) throws IOException {
        if (!gzip) {
            return tar.getInputStream(f.entry());
        }
        TarArchiveInputStream in = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(file), 65536));
        TarArchiveEntry e;
        while ((e = in.getNextEntry()) != null) {
            if (normalize(e.getName()).filter(f.name()::equals).isPresent()) {
                return new FilterInputStream(in) {
                };
            }
        }
        in.close();
        throw new IOException("archive entry " + Texts.quote(f.name()) + " vanished from " + file);
    }

    @Override
    public void close() throws IOException {
        if (tar != null) {
            tar.close();
        }
    }
}
