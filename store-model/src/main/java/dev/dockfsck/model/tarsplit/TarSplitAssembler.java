package dev.dockfsck.model.tarsplit;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.fs.RawPaths;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;

/**
 * Re-assembles the layer tar a tar-split describes, as {@code docker save} does (tar-split's
 * {@code asm.NewOutputTarStream}): segments verbatim, and for each file entry of size &gt; 0
 * exactly {@code size} bytes from a {@link ContentSource}, checked against the entry's CRC-64.
 * Returns the tar's sha256, which is the layer's DiffID when everything is intact.
 *
 * <p>Stricter than tar-split where a proof needs it: a file with more bytes than its entry's size
 * is a mismatch too (tar-split would read only {@code size} bytes). This is the streaming,
 * allocation-light helper for proving a tar-split (for example one just rebuilt by
 * {@link TarSplitPacker}) against a layer's files before accepting it; the deep checker has its
 * own two-pass verifier that reports every damaged file instead of stopping at the first.
 */
public final class TarSplitAssembler {
    /** Where file entries' content comes from. */
    @FunctionalInterface
    public interface ContentSource {
        /**
         * The content of the file entry {@code name} (its bytes as in the tar-split), which the
         * tar-split says has {@code size} bytes; null when there is no such file. The assembler
         * closes the stream.
         */
        InputStream open(byte[] name, long size) throws IOException;

        /**
         * Files below a layer's {@code diff/} directory, resolved one component at a time with
         * lstat and never through a link: a name with a {@code ..}, empty, NUL-containing or
         * absolute form, a symlink or non-directory on the way, or a target that is not a regular
         * file is absent (null), so nothing outside {@code diffDir} is ever read.
         */
        static ContentSource diffDir(Path diffDir) {
            return (name, size) -> {
                Path p = resolveBelow(diffDir, name);
                return p == null ? null : Files.newInputStream(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            };
        }
    }

    /**
     * @param sha256    sha256 of the re-assembled tar
     * @param tarLength its length in bytes
     * @param files     the number of file entries
     */
    public record Result(Digest sha256, long tarLength, int files) {
    }

    private static final int BUFFER = 64 * 1024;

    private TarSplitAssembler() {
    }

    /**
     * Writes the tar to {@code tar} (not closed) and returns its digest.
     *
     * @throws TarSplitException         the tar-split is damaged
     * @throws ContentMismatchException  a file is missing, of another size or another CRC-64
     * @throws IOException               reading a file or writing the tar failed
     */
    public static Result assemble(TarSplitReader tarSplit, ContentSource files, OutputStream tar)
            throws TarSplitException, IOException {
        MessageDigest sha = Digest.newSha256();
        byte[] buf = new byte[BUFFER];
        long length = 0;
        int fileCount = 0;
        while (tarSplit.next()) {
            if (tarSplit.isSegment()) {
                int n = tarSplit.payloadLength();
                byte[] b = tarSplit.payloadBuffer();
                sha.update(b, 0, n);
                if (tar != null) {
                    tar.write(b, 0, n);
                }
                length += n;
                continue;
            }
            fileCount++;
            long size = tarSplit.size();
            if (size == 0) {
                continue;
            }
            byte[] name = tarSplit.nameBytes().clone();
            long want = tarSplit.crc64();
            long crc = 0;
            long done = 0;
            try (InputStream in = files.open(name, size)) {
                if (in == null) {
                    throw new ContentMismatchException(ContentMismatchException.Problem.MISSING, name, null);
                }
                while (done < size) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, size - done));
                    if (n < 0) {
                        throw new ContentMismatchException(ContentMismatchException.Problem.SIZE, name,
                                done + " bytes, the tar-split says " + size);
                    }
                    crc = Crc64.update(crc, buf, 0, n);
                    sha.update(buf, 0, n);
                    if (tar != null) {
                        tar.write(buf, 0, n);
                    }
                    done += n;
                }
                if (in.read() >= 0) {
                    throw new ContentMismatchException(ContentMismatchException.Problem.SIZE, name,
                            "more than the " + size + " bytes the tar-split says");
                }
            }
            if (crc != want) {
                throw new ContentMismatchException(ContentMismatchException.Problem.CHECKSUM, name,
                        "CRC-64 " + Long.toHexString(crc) + ", the tar-split says " + Long.toHexString(want));
            }
            length += size;
        }
        return new Result(Digest.ofRawSha256(sha.digest()), length, fileCount);
    }

    /** Only the digest of the re-assembled tar (nothing written). */
    public static Result digest(TarSplitReader tarSplit, ContentSource files) throws TarSplitException, IOException {
        return assemble(tarSplit, files, null);
    }

    /** Opens {@code tarSplitJsonGz} (not through a link) and digests the tar it re-assembles. */
    public static Result digest(Path tarSplitJsonGz, ContentSource files) throws TarSplitException, IOException {
        try (TarSplitReader r = TarSplitReader.open(tarSplitJsonGz)) {
            return digest(r, files);
        }
    }

    /** {@code root/name} when every component is a plain name and every step is what it must be; else null. */
    static Path resolveBelow(Path root, byte[] name) throws IOException {
        if (name.length == 0 || name[0] == '/') {
            return null;
        }
        Path p = root;
        if (!isDir(p)) {
            return null;
        }
        int start = 0;
        int comps = 0;
        for (int i = 0; i <= name.length; i++) {
            if (i < name.length && name[i] == 0) {
                return null;
            }
            if (i == name.length || name[i] == '/') {
                int len = i - start;
                boolean skip = len == 0 || (len == 1 && name[start] == '.');
                if (!skip) {
                    if (len == 2 && name[start] == '.' && name[start + 1] == '.') {
                        return null;
                    }
                    if (comps > 0 && !isDir(p)) {
                        return null;
                    }
                    RawPaths.Resolution res = RawPaths.child(p, java.util.Arrays.copyOfRange(name, start, i));
                    if (res.path() == null) {
                        return null;
                    }
                    p = res.path();
                    comps++;
                }
                start = i + 1;
            }
        }
        if (comps == 0) {
            return null;
        }
        BasicFileAttributes a = attrs(p);
        return a != null && a.isRegularFile() ? p : null;
    }

    private static boolean isDir(Path p) throws IOException {
        BasicFileAttributes a = attrs(p);
        return a != null && a.isDirectory();
    }

    private static BasicFileAttributes attrs(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return null;
        }
    }
}
