package dev.dockfsck.model.appstore;

import dev.dockfsck.model.Defect;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.Parsed;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.fs.StoreFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The {@code blobs/sha256/} directory of an OCI layout or of the reset-apps store. Blob paths
 * are built from validated {@link Digest}s only; neither the blob directories nor the blobs are
 * ever read through a symbolic link.
 */
final class DirBlobs implements BlobAccess {
    private final Path root;
    private final String rootLabel;

    /**
     * @param root      the directory that holds {@code blobs/}
     * @param rootLabel how paths below root are prefixed in messages ("" for the store root)
     */
    DirBlobs(Path root, String rootLabel) {
        this.root = root;
        this.rootLabel = rootLabel;
    }

    private Path pathFor(Digest d) {
        return root.resolve("blobs").resolve(Digest.ALGORITHM).resolve(d.hex());
    }

    @Override
    public String pathOf(BlobRef ref) {
        return ref.digest().map(d -> rootLabel + "blobs/sha256/" + d.hex()).orElse(rootLabel + ref.location());
    }

    @Override
    public Optional<Problem> check(BlobRef ref) {
        if (ref.digest().isEmpty()) {
            return Optional.of(new Problem(AppStoreFinding.Code.APPSTORE_INDEX_INVALID, ref.location(), "no digest"));
        }
        for (Path dir : new Path[] {root.resolve("blobs"), root.resolve("blobs").resolve(Digest.ALGORITHM)}) {
            FileKind k = StoreFiles.kindOf(dir);
            String rel = rootLabel + root.relativize(dir);
            if (k == FileKind.SYMLINK) {
                return Optional.of(new Problem(AppStoreFinding.Code.APPSTORE_REFUSED_PATH, rel,
                        rel + " is a symbolic link (-> " + StoreFiles.readLink(dir).orElse("?") + "), not followed"));
            }
            if (k == FileKind.MISSING) {
                return Optional.of(new Problem(AppStoreFinding.Code.APPSTORE_BLOB_MISSING, pathOf(ref),
                        "blob " + ref.label() + " is missing (no " + rel + " directory)"));
            }
            if (k != FileKind.DIRECTORY) {
                return Optional.of(new Problem(AppStoreFinding.Code.APPSTORE_BLOB_MISSING, pathOf(ref),
                        rel + " is not a directory"));
            }
        }
        Path p = pathFor(ref.digest().get());
        String rel = pathOf(ref);
        FileKind k = StoreFiles.kindOf(p);
        switch (k) {
            case MISSING:
                return Optional.of(new Problem(AppStoreFinding.Code.APPSTORE_BLOB_MISSING, rel,
                        "blob " + ref.label() + " is missing (" + rel + ")"));
            case SYMLINK:
                return Optional.of(new Problem(AppStoreFinding.Code.APPSTORE_REFUSED_PATH, rel,
                        "blob " + rel + " is a symbolic link (-> " + StoreFiles.readLink(p).orElse("?") + "), not followed"));
            case REGULAR:
                break;
            default:
                return Optional.of(new Problem(AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT, rel,
                        "blob " + rel + " is not a regular file"));
        }
        if (ref.size() >= 0) {
            try {
                long size = Files.size(p);
                if (size != ref.size()) {
                    return Optional.of(new Problem(AppStoreFinding.Code.APPSTORE_BLOB_CORRUPT, rel,
                            "blob " + rel + " has " + size + " bytes, its descriptor says " + ref.size()));
                }
            } catch (IOException e) {
                return Optional.of(new Problem(AppStoreFinding.Code.APPSTORE_BLOB_MISSING, rel,
                        "blob " + rel + " cannot be read: " + e.getMessage()));
            }
        }
        return Optional.empty();
    }

    @Override
    public Parsed<byte[]> readAll(BlobRef ref, long max) {
        Optional<Problem> problem = check(ref);
        if (problem.isPresent()) {
            Problem pr = problem.get();
            Defect.Kind kind = switch (pr.code()) {
                case APPSTORE_BLOB_MISSING -> Defect.Kind.MISSING;
                case APPSTORE_REFUSED_PATH -> Defect.Kind.SYMLINK;
                default -> Defect.Kind.MALFORMED;
            };
            return Parsed.bad(new Defect(kind, Path.of(pr.path()), pr.detail()));
        }
        return StoreFiles.readBytes(pathFor(ref.digest().get()), max);
    }

    @Override
    public InputStream openRaw(BlobRef ref) throws IOException {
        Optional<Problem> problem = check(ref);
        if (problem.isPresent()) {
            throw new BlobProblemException(problem.get());
        }
        return Files.newInputStream(pathFor(ref.digest().get()), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    }
}
