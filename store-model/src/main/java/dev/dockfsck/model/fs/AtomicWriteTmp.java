package dev.dockfsck.model.fs;

import dev.dockfsck.model.Digest;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/**
 * The temp file of one of dockerd's atomic writes ({@code pkg/ioutils} {@code AtomicWriteFile} and
 * {@code NewAtomicFileWriter}: {@code os.CreateTemp(dir, ".tmp-" + base)}, written, synced, chmod'ed,
 * renamed over {@code dir/base}). Its name is {@code .tmp-<base><random>}, the random part Go's
 * temp-file suffix: decimal digits (9 on older Go, 1 to 10 since Go 1.17). A power cut between
 * create and rename leaves it beside its target forever; dockerd never looks at it again.
 * <p>dockerd 20.10 writes this way: image configs ({@code imagedb/content/sha256/<id>}), their
 * metadata ({@code imagedb/metadata/sha256/<id>/parent}, {@code lastUpdated}),
 * {@code repositories.json}, the distribution metadata ({@code distribution/diffid-by-digest/sha256/<hex>},
 * {@code v2metadata-by-diffid/sha256/<hex>}), a container's {@code config.v2.json} and
 * {@code hostconfig.json}, and from 20.10.27 on overlay2's {@code link}, {@code lower} and
 * {@code committed}. Only a regular file is such a leftover (the writer makes nothing else).
 */
public final class AtomicWriteTmp {
    public static final String PREFIX = ".tmp-";

    private AtomicWriteTmp() {
    }

    /** Whether {@code name} is the temp file of an atomic write of {@code target} (a base name). */
    public static boolean isTmpOf(String name, String target) {
        return name.startsWith(PREFIX) && name.startsWith(target, PREFIX.length())
                && randomSuffix(name, PREFIX.length() + target.length());
    }

    /** Whether {@code name} is the temp file of an atomic write of any of {@code targets}. */
    public static boolean isTmpOfAny(String name, List<String> targets) {
        for (String t : targets) {
            if (isTmpOf(name, t)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code name} is the temp file of an atomic write of a file named by 64 hex digits (an image config). */
    public static boolean isTmpOfHex64(String name) {
        int end = PREFIX.length() + 64;
        return name.startsWith(PREFIX) && name.length() > end && Digest.isHex64(name.substring(PREFIX.length(), end))
                && randomSuffix(name, end);
    }

    /** Adds to {@code sink} the path of every regular file among {@code entries} whose name {@code isTmp}. */
    public static void collect(List<DirEntry> entries, Predicate<String> isTmp, List<Path> sink) {
        for (DirEntry e : entries) {
            if (e.kind() == FileKind.REGULAR && isTmp.test(e.name())) {
                sink.add(e.path());
            }
        }
    }

    private static boolean randomSuffix(String name, int from) {
        int n = name.length() - from;
        if (n < 1 || n > 10) {
            return false;
        }
        for (int i = from; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
