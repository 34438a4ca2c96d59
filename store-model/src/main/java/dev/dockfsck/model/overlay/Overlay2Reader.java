package dev.dockfsck.model.overlay;

import dev.dockfsck.model.Defect;
import dev.dockfsck.model.Parsed;
import dev.dockfsck.model.fs.AtomicWriteTmp;
import dev.dockfsck.model.fs.DirEntry;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.fs.StoreFiles;
import dev.dockfsck.model.store.StrayEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads {@code overlay2/}: every dir's link, lower, diff, work and committed, and {@code l/}. */
public final class Overlay2Reader {
    public static final String LINK_DIR = "l";

    private Overlay2Reader() {
    }

    /** The files overlay2 writes atomically in a layer's dir (dockerd 20.10.27 and later). */
    static final List<String> ATOMIC_FILES = List.of(OverlayDir.LINK, OverlayDir.LOWER, OverlayDir.COMMITTED);

    public static Overlay2 read(Path overlay2) {
        return read(overlay2, new ArrayList<>());
    }

    /** Reads overlay2/; the temp files of interrupted atomic writes in its dirs go to {@code atomicTmp}. */
    public static Overlay2 read(Path overlay2, List<Path> atomicTmp) {
        Map<String, OverlayDir> dirs = new HashMap<>();
        Map<String, ShortLink> links = new HashMap<>();
        List<StrayEntry> strays = new ArrayList<>();
        Parsed<List<DirEntry>> top = StoreFiles.list(overlay2);
        if (top instanceof Parsed.Bad<List<DirEntry>> bad) {
            strays.add(new StrayEntry(overlay2, bad.defect()));
        }
        for (DirEntry e : top.optional().orElse(List.of())) {
            if (e.name().equals(LINK_DIR)) {
                Parsed<List<DirEntry>> l = StoreFiles.list(e.path());
                if (l instanceof Parsed.Bad<List<DirEntry>> bad) {
                    strays.add(new StrayEntry(e.path(), bad.defect()));
                }
                for (DirEntry le : l.optional().orElse(List.of())) {
                    Optional<String> target = le.kind() == FileKind.SYMLINK ? StoreFiles.readLink(le.path()) : Optional.empty();
                    links.put(le.name(), new ShortLink(le.name(), le.path(), target));
                }
            } else if (e.kind() == FileKind.DIRECTORY) {
                // one listing per dir: the kinds of its files and its atomic-write leftovers
                Parsed<List<DirEntry>> listing = StoreFiles.list(e.path(), FileKind.DIRECTORY);
                List<DirEntry> entries = listing.optional().orElse(null);
                dirs.put(e.name(), entries != null ? readDir(e.name(), e.path(), entries) : readDir(e.name(), e.path()));
                AtomicWriteTmp.collect(entries != null ? entries : List.of(),
                        n -> AtomicWriteTmp.isTmpOfAny(n, ATOMIC_FILES), atomicTmp);
            } else {
                String detail = e.kind() == FileKind.SYMLINK ? "-> " + StoreFiles.readLink(e.path()).orElse("?") : "not a directory";
                strays.add(new StrayEntry(e.path(), new Defect(
                        e.kind() == FileKind.SYMLINK ? Defect.Kind.SYMLINK : Defect.Kind.WRONG_TYPE, e.path(), detail)));
            }
        }
        return new Overlay2(dirs, links, strays);
    }

    public static OverlayDir readDir(String id, Path dir) {
        return readDir(id, dir, StoreFiles.kindOf(dir.resolve(OverlayDir.LINK)),
                StoreFiles.kindOf(dir.resolve(OverlayDir.LOWER)), StoreFiles.kindOf(dir.resolve(OverlayDir.DIFF)),
                StoreFiles.kindOf(dir.resolve(OverlayDir.WORK)), StoreFiles.kindOf(dir.resolve(OverlayDir.COMMITTED)));
    }

    /** {@link #readDir(String, Path)} from the dir's listing, just made: its files' kinds are in it. */
    static OverlayDir readDir(String id, Path dir, List<DirEntry> listing) {
        FileKind link = FileKind.MISSING;
        FileKind lower = FileKind.MISSING;
        FileKind diff = FileKind.MISSING;
        FileKind work = FileKind.MISSING;
        FileKind committed = FileKind.MISSING;
        for (DirEntry e : listing) {
            switch (e.name()) {
                case OverlayDir.LINK -> link = e.kind();
                case OverlayDir.LOWER -> lower = e.kind();
                case OverlayDir.DIFF -> diff = e.kind();
                case OverlayDir.WORK -> work = e.kind();
                case OverlayDir.COMMITTED -> committed = e.kind();
                default -> {
                }
            }
        }
        return readDir(id, dir, link, lower, diff, work, committed);
    }

    private static OverlayDir readDir(String id, Path dir, FileKind linkKind, FileKind lowerKind, FileKind diff,
                                      FileKind work, FileKind committed) {
        // used verbatim: overlay2 pastes it into a child's lower ("l/" + link), a newline and all
        Path linkPath = dir.resolve(OverlayDir.LINK);
        Parsed<String> link = StoreFiles.readExact(linkPath, linkKind).map(s -> Overlay2.isShortLinkName(s)
                ? Parsed.ok(s)
                : Parsed.bad(new Defect(Defect.Kind.MALFORMED, linkPath,
                        "not a 26-character short id: " + dev.dockfsck.model.Texts.quote(s))));
        Path lowerPath = dir.resolve(OverlayDir.LOWER);
        Parsed<List<String>> lower = StoreFiles.readBytes(lowerPath, lowerKind, 1 << 20).map(b -> {
            String s = new String(b, java.nio.charset.StandardCharsets.UTF_8);
            if (s.isEmpty()) {
                return Parsed.bad(new Defect(Defect.Kind.EMPTY, lowerPath, ""));
            }
            return Parsed.ok(List.copyOf(Arrays.asList(s.split(":", -1))));
        });
        return new OverlayDir(id, dir, diff, link, lower, work == FileKind.DIRECTORY, committed == FileKind.REGULAR);
    }
}
