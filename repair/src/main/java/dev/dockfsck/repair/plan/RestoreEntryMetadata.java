package dev.dockfsck.repair.plan;

import dev.dockfsck.model.fs.Posix;
import dev.dockfsck.model.tarsplit.TarHeader;
import dev.dockfsck.model.tarsplit.TarHeaders;
import dev.dockfsck.model.tarsplit.TarSplitException;
import dev.dockfsck.model.tarsplit.TarSplitReader;
import dev.dockfsck.repair.apply.ApplyContext;
import dev.dockfsck.repair.apply.RootedFs;
import dev.dockfsck.repair.extract.EntryAttributes;
import dev.dockfsck.repair.extract.EntryHeader;
import dev.dockfsck.repair.extract.LayerTar;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Heals in place what the layer digest cannot see: an entry whose mode (set-id bits included),
 * owner, xattrs, symbolic-link target or device numbers on disk differ from its tar header, and a
 * lost FIFO or device node. The headers come from the layer's own {@code tar-split.json.gz}, whose
 * bytes the deep check that planned this proved (the re-assembled tar hashed to the diffID), so no
 * copy of the layer is needed. Metadata is applied as dockerd's extraction applies it
 * ({@link EntryAttributes}); xattrs on disk that the header lacks go (overlayfs' own
 * {@code trusted.overlay.*} and {@code security.selinux} aside); a link or node of the wrong kind
 * is made anew beside its name and renamed over it. Idempotent.
 *
 * @param diffDir  root-relative {@code overlay2/<cache-id>/diff}
 * @param tarSplit root-relative {@code image/overlay2/layerdb/sha256/<chainID>/tar-split.json.gz}
 * @param entries  the entries to heal, as named in the layer tar (no trailing '/')
 */
public record RestoreEntryMetadata(String chainId, String diffDir, String tarSplit, List<String> entries,
                                   List<String> reasons) implements Action {
    private static final int MAX_HEADERS = 1 << 20;
    private static final String TEMP_PREFIX = LostEntries.TEMP_PREFIX;

    public RestoreEntryMetadata {
        entries = List.copyOf(entries);
        reasons = List.copyOf(reasons);
    }

    @Override
    public String describe() {
        return "restore mode, owner, xattrs, link targets or device nodes of " + entries.size() + " entr"
                + (entries.size() == 1 ? "y" : "ies") + " of layer " + chainId + " from its tar-split";
    }

    @Override
    public long apply(ApplyContext ctx) throws IOException {
        Map<String, TarHeader> found = headers(ctx.fs());
        List<String> missing = new ArrayList<>(entries);
        missing.removeAll(found.keySet());
        if (!missing.isEmpty()) {
            throw new IOException("layer " + chainId + ": its tar-split records no entry " + missing);
        }
        for (Map.Entry<String, TarHeader> e : found.entrySet()) {
            heal(ctx.fs(), e.getKey(), e.getValue());
        }
        return 0;
    }

    private void heal(RootedFs fs, String name, TarHeader hdr) throws IOException {
        Path p = fs.resolve(diffDir + "/" + name);
        EntryHeader.Type type = switch (hdr.typeflag()) {
            case TarHeader.TYPE_SYMLINK -> EntryHeader.Type.SYMLINK;
            case TarHeader.TYPE_CHAR -> EntryHeader.Type.CHAR;
            case TarHeader.TYPE_BLOCK -> EntryHeader.Type.BLOCK;
            case TarHeader.TYPE_FIFO -> EntryHeader.Type.FIFO;
            case TarHeader.TYPE_DIR -> EntryHeader.Type.DIRECTORY;
            case TarHeader.TYPE_LINK -> EntryHeader.Type.HARDLINK;
            default -> EntryHeader.Type.REGULAR;
        };
        EntryHeader h = LayerTar.header(hdr, type);
        boolean remake = switch (type) {
            case SYMLINK -> !Files.isSymbolicLink(p) || !Arrays.equals(targetBytes(p), h.linkname());
            case CHAR, BLOCK, FIFO -> !sameNode(p, h);
            default -> false;
        };
        if (remake) {
            Path tmp = p.resolveSibling(TEMP_PREFIX + p.getFileName());
            Files.deleteIfExists(tmp);
            if (type == EntryHeader.Type.SYMLINK) {
                Posix.symlink(h.linkname(), tmp);
            } else {
                int t = type == EntryHeader.Type.FIFO ? Posix.S_IFIFO : type == EntryHeader.Type.CHAR ? Posix.S_IFCHR : Posix.S_IFBLK;
                Posix.mknod(tmp, t, h.mode(), h.devMajor(), h.devMinor());
            }
            EntryAttributes.apply(tmp, h);
            EntryAttributes.times(tmp, h);
            Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else if (type != EntryHeader.Type.HARDLINK) {
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new NoSuchFileException(p.toString(), null, "layer " + chainId + ": the entry to heal is gone");
            }
            EntryAttributes.apply(p, h);
            for (String x : Posix.xattrs(p).keySet()) {
                if (!h.xattrs().containsKey(x) && !x.startsWith("trusted.overlay.") && !x.equals("security.selinux")) {
                    Posix.removeXattr(p, x);
                }
            }
        }
        RootedFs.fsyncDir(p.getParent());
    }

    private static byte[] targetBytes(Path link) {
        try {
            return dev.dockfsck.model.fs.RawPaths.bytesOf(Files.readSymbolicLink(link));
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static boolean sameNode(Path p, EntryHeader h) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
            int fmt = ((Number) a.get("mode")).intValue() & Posix.S_IFMT;
            int want = h.type() == EntryHeader.Type.FIFO ? Posix.S_IFIFO : h.type() == EntryHeader.Type.CHAR ? Posix.S_IFCHR : Posix.S_IFBLK;
            if (fmt != want) {
                return false;
            }
            if (want == Posix.S_IFIFO) {
                return true;
            }
            long rdev = ((Number) a.get("rdev")).longValue();
            return rdev == Posix.makedev(h.devMajor(), h.devMinor());
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The headers of the wanted entries, from the raw segments the tar-split records before each. */
    private Map<String, TarHeader> headers(RootedFs fs) throws IOException {
        Set<String> wanted = new HashSet<>(entries);
        Map<String, TarHeader> found = new LinkedHashMap<>();
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        long previousSize = 0;
        try (TarSplitReader r = TarSplitReader.open(fs.resolve(tarSplit))) {
            while (r.next()) {
                if (r.isSegment()) {
                    if (raw.size() + r.payloadLength() > MAX_HEADERS) {
                        throw new IOException("tar-split of layer " + chainId + ": more than " + MAX_HEADERS
                                + " bytes of headers before one entry");
                    }
                    raw.write(r.payloadBuffer(), 0, r.payloadLength());
                    continue;
                }
                String name = LostEntries.normalize(new String(r.nameBytes(), StandardCharsets.UTF_8));
                if (wanted.contains(name) && !found.containsKey(name)) {
                    byte[] b = raw.toByteArray();
                    int pad = TarHeaders.padding(previousSize);
                    if (b.length < pad + 512) {
                        throw new IOException("tar-split of layer " + chainId + ": no tar header recorded for " + name);
                    }
                    found.put(name, TarHeaders.parse(b, pad, b.length - pad));
                }
                previousSize = r.size();
                raw.reset();
            }
        } catch (TarSplitException e) {
            throw new IOException("tar-split of layer " + chainId + ": " + e.getMessage(), e);
        }
        return found;
    }
}
