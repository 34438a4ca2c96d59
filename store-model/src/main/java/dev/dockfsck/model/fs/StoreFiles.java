package dev.dockfsck.model.fs;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dockfsck.model.Defect;
import dev.dockfsck.model.Parsed;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Read-only, link-safe access to the files of a store. Nothing here follows a symbolic link,
 * nothing throws on bad content, and every failure is a {@link Defect} naming the path.
 */
public final class StoreFiles {
    /** dockerd's own metadata files are tiny; anything beyond this is not one of them. */
    public static final long MAX_SMALL_FILE = 64L * 1024 * 1024;

    private StoreFiles() {
    }

    /**
     * Makes Jackson's parser ready to read the store's JSON ({@link JsonTree}): its first use loads,
     * links and initializes its classes. The CLI calls it on a background thread at start-up;
     * reading a store without it works the same.
     */
    public static void warmUp() {
        try {
            JsonTree.parse("{\"warm\":[\"up\",1,2.5,true,null,{}]}".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new IllegalStateException("Jackson cannot read a constant", e);
        }
    }

    public static FileKind kindOf(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isSymbolicLink()) {
                return FileKind.SYMLINK;
            }
            if (a.isDirectory()) {
                return FileKind.DIRECTORY;
            }
            if (a.isRegularFile()) {
                return FileKind.REGULAR;
            }
            return FileKind.OTHER;
        } catch (NoSuchFileException e) {
            return FileKind.MISSING;
        } catch (IOException | SecurityException e) {
            return FileKind.OTHER;
        }
    }

    /**
     * Why the entries below {@code dir} must not be read: a symbolic link (reading
     * {@code dir/x} would follow it, NOFOLLOW_LINKS guards the last component only) or something
     * that is no directory. Empty for a real directory or a missing one.
     */
    public static java.util.Optional<Defect> notARealDir(Path dir) {
        return switch (kindOf(dir)) {
            case DIRECTORY, MISSING -> java.util.Optional.empty();
            case SYMLINK -> java.util.Optional.of(new Defect(Defect.Kind.SYMLINK, dir, "-> " + readLink(dir).orElse("?")));
            default -> java.util.Optional.of(new Defect(Defect.Kind.WRONG_TYPE, dir, "not a directory"));
        };
    }

    /** Reads a regular file of at most {@code max} bytes, never through a link. */
    public static Parsed<byte[]> readBytes(Path p, long max) {
        return readBytes(p, kindOf(p), max);
    }

    /** The first buffer of a read: the one-line metadata files, the most read, fit in it. */
    static final int FIRST_READ = 256;

    private static final java.util.Set<java.nio.file.OpenOption> READ_NOFOLLOW =
            java.util.Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);

    /**
     * {@link #readBytes(Path, long)} for a file whose kind the caller has just seen (in a
     * listing of its directory): no second lstat. The file is read through one channel,
     * open/read/close (an InputStream on it adds two fstat and an lseek per file: a third of
     * the system calls of reading a 1000-layer store).
     */
    public static Parsed<byte[]> readBytes(Path p, FileKind kind, long max) {
        switch (kind) {
            case MISSING:
                return Parsed.bad(new Defect(Defect.Kind.MISSING, p, ""));
            case SYMLINK:
                return Parsed.bad(new Defect(Defect.Kind.SYMLINK, p, "-> " + readLink(p).orElse("?")));
            case DIRECTORY:
                return Parsed.bad(new Defect(Defect.Kind.WRONG_TYPE, p, "a directory"));
            case OTHER:
                return Parsed.bad(new Defect(Defect.Kind.WRONG_TYPE, p, "not a regular file"));
            default:
                break;
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(p, READ_NOFOLLOW)) {
            int cap = (int) Math.min(max + 1, Integer.MAX_VALUE - 8);
            // most files read here are one line of under 100 bytes: a first buffer of 8 KB made
            // two fifths of all a 1000-layer preen allocates (4 young collections). A larger file
            // grows it once to its size as fstat gives it, and then doubles while it still grows.
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(Math.min(cap, FIRST_READ));
            boolean sized = false;
            while (true) {
                if (!buf.hasRemaining()) {
                    if (buf.capacity() >= cap) {
                        break;
                    }
                    long want = 2L * buf.capacity();
                    if (!sized) {
                        sized = true;
                        want = Math.max(want, ch.size() + 1);
                    }
                    java.nio.ByteBuffer bigger = java.nio.ByteBuffer.allocate((int) Math.min(cap, want));
                    buf.flip();
                    bigger.put(buf);
                    buf = bigger;
                }
                if (ch.read(buf) < 0) {
                    break;
                }
            }
            if (buf.position() > max) {
                return Parsed.bad(new Defect(Defect.Kind.TOO_LARGE, p, "over " + max + " bytes"));
            }
            return Parsed.ok(java.util.Arrays.copyOf(buf.array(), buf.position()));
        } catch (NoSuchFileException e) {
            return Parsed.bad(new Defect(Defect.Kind.MISSING, p, ""));
        } catch (AccessDeniedException e) {
            return Parsed.bad(new Defect(Defect.Kind.UNREADABLE, p, "permission denied"));
        } catch (IOException | SecurityException e) {
            return Parsed.bad(new Defect(Defect.Kind.UNREADABLE, p, String.valueOf(e.getMessage())));
        }
    }

    /**
     * Reads a small text file as dockerd does for its one-line metadata files: UTF-8, white space
     * trimmed as Go's {@code strings.TrimSpace} trims it; blank content is {@link Defect.Kind#EMPTY},
     * invalid UTF-8 is MALFORMED.
     */
    public static Parsed<String> readLine(Path p) {
        return readLine(p, kindOf(p));
    }

    /** {@link #readLine(Path)} for a file whose kind the caller has just seen. */
    public static Parsed<String> readLine(Path p, FileKind kind) {
        return readText(p, kind).map(s -> Parsed.ok(goTrimSpace(s)));
    }

    /** A small metadata file as strict UTF-8 text; no bytes or only white space is EMPTY. */
    private static Parsed<String> readText(Path p, FileKind kind) {
        return readBytes(p, kind, 4096).map(bytes -> {
            String s;
            if (isAscii(bytes)) {
                // every file dockerd writes here: ASCII is UTF-8, no decoder needed
                s = new String(bytes, StandardCharsets.ISO_8859_1);
            } else {
                try {
                    s = StandardCharsets.UTF_8.newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
                } catch (CharacterCodingException e) {
                    return Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, "not UTF-8 text"));
                }
            }
            if (goTrimSpace(s).isEmpty()) {
                return Parsed.bad(new Defect(Defect.Kind.EMPTY, p, bytes.length == 0 ? "" : bytes.length + " blank bytes"));
            }
            return Parsed.ok(s);
        });
    }

    private static boolean isAscii(byte[] b) {
        for (byte x : b) {
            if (x < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Go's {@code strings.TrimSpace}: strips {@code unicode.IsSpace} runes from both ends. Not
     * Java's {@code strip()}: Java also strips U+001C..U+001F (which Go keeps, so dockerd rejects an
     * id ending in one) and keeps U+0085, U+00A0, U+2007 and U+202F (which Go strips).
     */
    public static String goTrimSpace(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isGoSpace(s.codePointAt(start))) {
            start += Character.charCount(s.codePointAt(start));
        }
        while (end > start && isGoSpace(s.codePointBefore(end))) {
            end -= Character.charCount(s.codePointBefore(end));
        }
        return s.substring(start, end);
    }

    /** Go's {@code unicode.IsSpace}. */
    static boolean isGoSpace(int r) {
        if (r <= 0xff) {
            return r == '\t' || r == '\n' || r == 0x0b || r == '\f' || r == '\r' || r == ' ' || r == 0x85 || r == 0xa0;
        }
        return r == 0x1680 || (r >= 0x2000 && r <= 0x200a) || r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f
                || r == 0x3000;
    }

    /**
     * Reads a small text file exactly as written, nothing trimmed, for files dockerd uses verbatim
     * ({@code size} goes to {@code strconv.ParseInt} untrimmed; overlay2 pastes {@code link} into
     * {@code lower}): UTF-8; zero bytes or only white space is {@link Defect.Kind#EMPTY}.
     */
    public static Parsed<String> readExact(Path p) {
        return readText(p, kindOf(p));
    }

    /** {@link #readExact(Path)} for a file whose kind the caller has just seen. */
    public static Parsed<String> readExact(Path p, FileKind kind) {
        return readText(p, kind);
    }

    /** Parses JSON bytes into a tree; empty, cut-off and garbled input become defects. */
    public static Parsed<JsonNode> parseJson(Path p, byte[] bytes) {
        if (bytes.length == 0 || new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            return Parsed.bad(new Defect(Defect.Kind.EMPTY, p, ""));
        }
        try {
            JsonNode n = JsonTree.parse(bytes);
            if (n == null || n.isMissingNode()) {
                return Parsed.bad(new Defect(Defect.Kind.EMPTY, p, ""));
            }
            return Parsed.ok(n);
        } catch (JsonEOFException e) {
            return Parsed.bad(new Defect(Defect.Kind.TRUNCATED, p, "JSON ends after " + bytes.length + " bytes"));
        } catch (JsonParseException e) {
            return Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, "not JSON: " + e.getOriginalMessage()));
        } catch (IOException e) {
            return Parsed.bad(new Defect(Defect.Kind.MALFORMED, p, "not JSON: " + e.getMessage()));
        }
    }

    public static Parsed<JsonNode> readJson(Path p) {
        return readBytes(p, MAX_SMALL_FILE).map(b -> parseJson(p, b));
    }

    public static Optional<String> readLink(Path p) {
        try {
            return Optional.of(Files.readSymbolicLink(p).toString());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return Optional.empty();
        }
    }

    /**
     * Lists a real directory (not a link to one), sorted by name; a missing directory is an empty
     * listing, anything else that keeps it from being listed is a defect.
     */
    public static Parsed<List<DirEntry>> list(Path dir) {
        return list(dir, kindOf(dir));
    }

    /** {@link #list(Path)} for a directory whose kind the caller has just seen (in its parent's listing). */
    public static Parsed<List<DirEntry>> list(Path dir, FileKind k) {
        if (k == FileKind.MISSING) {
            return Parsed.ok(List.of());
        }
        if (k == FileKind.SYMLINK) {
            return Parsed.bad(new Defect(Defect.Kind.SYMLINK, dir, "-> " + readLink(dir).orElse("?")));
        }
        if (k != FileKind.DIRECTORY) {
            return Parsed.bad(new Defect(Defect.Kind.WRONG_TYPE, dir, "not a directory"));
        }
        List<DirEntry> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                out.add(new DirEntry(p.getFileName().toString(), p, kindOf(p)));
            }
        } catch (AccessDeniedException e) {
            return Parsed.bad(new Defect(Defect.Kind.UNREADABLE, dir, "permission denied"));
        } catch (IOException | SecurityException | java.nio.file.DirectoryIteratorException e) {
            return Parsed.bad(new Defect(Defect.Kind.UNREADABLE, dir, String.valueOf(e.getMessage())));
        }
        out.sort(Comparator.comparing(DirEntry::name));
        return Parsed.ok(out);
    }

    /**
     * Bytes used by a tree, counted as dockerd's directory.Size does: regular files and links by
     * their size, each inode once, never following links. Unreadable parts count as 0.
     */
    public static long diskUsage(Path dir) {
        java.util.Set<Object> seen = new java.util.HashSet<>();
        long[] total = {0};
        try {
            Files.walkFileTree(dir, java.util.EnumSet.noneOf(java.nio.file.FileVisitOption.class), Integer.MAX_VALUE,
                    new java.nio.file.SimpleFileVisitor<>() {
                        @Override
                        public java.nio.file.FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                            if (!a.isDirectory() && a.size() > 0) {
                                Object key = a.fileKey();
                                if (key == null || seen.add(key)) {
                                    total[0] += a.size();
                                }
                            }
                            return java.nio.file.FileVisitResult.CONTINUE;
                        }

                        @Override
                        public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) {
                            return java.nio.file.FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            // counted what could be read
        }
        return total[0];
    }
}
