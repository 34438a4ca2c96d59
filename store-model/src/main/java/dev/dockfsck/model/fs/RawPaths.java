package dev.dockfsck.model.fs;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Builds a {@link Path} from a file name's exact bytes, whatever the JVM's locale.
 *
 * <p>The JDK turns path strings into bytes with {@code sun.jnu.encoding}, which comes from the
 * locale and cannot be set with {@code -D} on JDK 17 (measured, see docs/java-on-the-store.md).
 * A name that is not valid in that encoding (any non-UTF-8 name; any non-ASCII name when the
 * locale is unset or C) cannot be written as a string. Two ways are used, best first:
 * <ol>
 *   <li><b>exact</b>: with {@code --add-opens java.base/sun.nio.fs=ALL-UNNAMED} (or
 *       {@code Add-Opens: java.base/sun.nio.fs} in an executable jar's manifest) the default
 *       file system's path is built straight from the bytes;</li>
 *   <li><b>listing</b>: otherwise a component whose bytes the locale cannot spell is found by
 *       listing its parent: a listed {@code Path} keeps its real bytes. The match is by the
 *       locale's lossy decoding of the name, so two names that differ only in bytes the locale
 *       cannot decode are ambiguous: {@link Resolution#ambiguous()}.</li>
 * </ol>
 * Names the locale can spell (ASCII always, UTF-8 under a UTF-8 locale) take the plain string
 * path with no cost. Other file systems (jimfs in tests) get names as UTF-8 strings.
 */
public final class RawPaths {
    private static final MethodHandle NEW_UNIX_PATH;
    private static final MethodHandle AS_BYTES;
    private static final Class<?> UNIX_PATH;
    private static final Charset JNU;

    static {
        MethodHandle ctor = null;
        MethodHandle bytes = null;
        Class<?> cls = null;
        try {
            cls = Class.forName("sun.nio.fs.UnixPath");
            Class<?> fsCls = Class.forName("sun.nio.fs.UnixFileSystem");
            Constructor<?> c = cls.getDeclaredConstructor(fsCls, byte[].class);
            c.setAccessible(true);
            Method m = cls.getDeclaredMethod("asByteArray");
            m.setAccessible(true);
            ctor = MethodHandles.lookup().unreflectConstructor(c)
                    .asType(MethodType.methodType(Path.class, Object.class, byte[].class));
            bytes = MethodHandles.lookup().unreflect(m).asType(MethodType.methodType(byte[].class, Path.class));
            // prove it works on this JVM before relying on it
            Path probe = (Path) ctor.invokeExact((Object) FileSystems.getDefault(), "/".getBytes(StandardCharsets.US_ASCII));
            if (!probe.isAbsolute()) {
                ctor = null;
            }
        } catch (Throwable e) {
            ctor = null;
            bytes = null;
        }
        NEW_UNIX_PATH = ctor;
        AS_BYTES = ctor == null ? null : bytes;
        UNIX_PATH = cls;
        Charset jnu;
        try {
            jnu = Charset.forName(System.getProperty("sun.jnu.encoding", Charset.defaultCharset().name()));
        } catch (RuntimeException e) {
            jnu = Charset.defaultCharset();
        }
        JNU = jnu;
    }

    private RawPaths() {
    }

    /** Whether exact byte paths are available (the JVM was started with the add-opens flag). */
    public static boolean exact() {
        return NEW_UNIX_PATH != null;
    }

    /**
     * The exact bytes the kernel gets for a default-file-system path: the path's own bytes when
     * exact paths are available, else its string in the JVM's file-name charset (which is what
     * the JDK itself would pass).
     */
    public static byte[] bytesOf(Path p) {
        if (AS_BYTES != null && UNIX_PATH.isInstance(p)) {
            try {
                return (byte[]) AS_BYTES.invokeExact(p);
            } catch (Throwable e) {
                // fall through to the string form
            }
        }
        return p.toString().getBytes(JNU);
    }

    /** The charset the JVM uses for file names ({@code sun.jnu.encoding}). */
    public static Charset fileNameCharset() {
        return JNU;
    }

    /** A resolved child: a path, or why none could be made. */
    public record Resolution(Path path, boolean missing, boolean ambiguous) {
        static Resolution of(Path p) {
            return new Resolution(p, false, false);
        }
    }

    /**
     * {@code parent/child} where {@code child} is one name component's bytes (no '/', no NUL).
     * Never follows links: the caller lstat()s what it gets.
     */
    public static Resolution child(Path parent, byte[] child) {
        if (parent.getFileSystem() != FileSystems.getDefault()) {
            return Resolution.of(parent.resolve(new String(child, StandardCharsets.UTF_8)));
        }
        String s = strict(child);
        if (s != null) {
            return Resolution.of(parent.resolve(s));
        }
        if (NEW_UNIX_PATH != null && UNIX_PATH.isInstance(parent)) {
            try {
                byte[] p = (byte[]) AS_BYTES.invokeExact(parent);
                byte[] full = new byte[p.length + 1 + child.length];
                System.arraycopy(p, 0, full, 0, p.length);
                int n = p.length;
                if (n == 0 || p[n - 1] != '/') {
                    full[n++] = '/';
                }
                System.arraycopy(child, 0, full, n, child.length);
                if (n + child.length < full.length) {
                    full = java.util.Arrays.copyOf(full, n + child.length);
                }
                return Resolution.of((Path) NEW_UNIX_PATH.invokeExact((Object) parent.getFileSystem(), full));
            } catch (Throwable e) {
                // fall through to the listing
            }
        }
        return byListing(parent, child);
    }

    /** The name decoded in the file-name charset, or null when that charset cannot spell it exactly. */
    static String strict(byte[] name) {
        boolean ascii = true;
        for (byte x : name) {
            if (x < 0x20 || x == 0x7f) { // negative (non-ASCII) or control: take the careful path
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(name, StandardCharsets.ISO_8859_1); // every file-name charset spells ASCII
        }
        try {
            String s = JNU.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(name)).toString();
            ByteBuffer bb = JNU.encode(s);
            byte[] back = new byte[bb.remaining()];
            bb.get(back);
            return java.util.Arrays.equals(back, name) ? s : null;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static Resolution byListing(Path parent, byte[] child) {
        String lossy = new String(child, JNU);
        // a name whose bytes are the lossy string's own encoding (e.g. a literal U+FFFD) is another file
        Object decoyKey = null;
        try {
            Path decoy = parent.resolve(lossy);
            decoyKey = Files.readAttributes(decoy, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (Exception e) {
            // no such decoy
        }
        List<Path> found = new ArrayList<>(2);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent)) {
            for (Path p : ds) {
                Path fn = p.getFileName();
                if (fn != null && fn.toString().equals(lossy)) {
                    if (decoyKey != null) {
                        Object k = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
                        if (Objects.equals(k, decoyKey)) {
                            continue;
                        }
                    }
                    found.add(p);
                }
            }
        } catch (Exception e) {
            return new Resolution(null, true, false);
        }
        if (found.isEmpty()) {
            return new Resolution(null, true, false);
        }
        if (found.size() > 1) {
            return new Resolution(null, false, true);
        }
        return Resolution.of(found.get(0));
    }
}
