package dev.dockfsck.repair.plan;

import dev.dockfsck.model.Digest;
import dev.dockfsck.repair.apply.ApplyContext;
import dev.dockfsck.repair.apply.LayerBlobSource;
import dev.dockfsck.repair.apply.RootedFs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Heals a layer in place: rewrites exactly its damaged regular files under {@code diff/} from the
 * app store's copy of the layer (the blob whose uncompressed stream has the layer's diffID), with
 * owner, mode and mtime as in the tar, re-links hard links to them, and recreates its lost
 * entries without content (directories, symbolic links, hard links, empty files) as the tar
 * records them. Nothing is put in place before the whole blob has been read and proven to hash to
 * the diffID: files are first written to temp names beside their targets (fsynced), then renamed
 * over them. The layer keeps its chainID and cache-id, so every image and container on it stays
 * valid. Extended attributes are not restored (Java reaches only the user namespace).
 *
 * @param diffDir  root-relative {@code overlay2/<cache-id>/diff}
 * @param appStore where the blob comes from (for messages when a rerun lacks it)
 * @param files    the damaged files, as named in the layer tar
 * @param entries  the lost entries without content, as named in the layer tar (no trailing '/')
 */
public record HealLayerFiles(String chainId, String diffDir, String diffId, String appStore, List<String> files,
                             List<String> entries, List<String> reasons) implements Action {
    private static final String TEMP_PREFIX = LostEntries.TEMP_PREFIX;

    public HealLayerFiles {
        files = files == null ? List.of() : List.copyOf(files);
        entries = entries == null ? List.of() : List.copyOf(entries); // a journal from before entries were healed
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }

    /** Heals regular files only. */
    public HealLayerFiles(String chainId, String diffDir, String diffId, String appStore, List<String> files,
                          List<String> reasons) {
        this(chainId, diffDir, diffId, appStore, files, List.of(), reasons);
    }

    @Override
    public String describe() {
        List<String> what = new ArrayList<>();
        if (!files.isEmpty() || entries.isEmpty()) {
            what.add(files.size() + " file(s)");
        }
        if (!entries.isEmpty()) {
            what.add(entries.size() + " lost entr" + (entries.size() == 1 ? "y" : "ies") + " without content");
        }
        return "heal " + String.join(" and ", what) + " of layer " + chainId + " from " + appStore;
    }

    @Override
    public long apply(ApplyContext ctx) throws IOException {
        LayerBlobSource source = ctx.blobs().orElseThrow(() -> new IOException("healing layer " + chainId
                + " needs the app store " + appStore + ": run again with --app-store " + appStore));
        RootedFs fs = ctx.fs();
        Set<String> wanted = new HashSet<>(files);
        Set<String> wantedEntries = new HashSet<>(entries);
        Map<String, TarArchiveEntry> entryMeta = new LinkedHashMap<>(); // tar order: parents first
        Map<String, Path> staged = new LinkedHashMap<>();
        Map<String, TarArchiveEntry> meta = new LinkedHashMap<>();
        Map<String, String> hardlinks = new LinkedHashMap<>();
        byte[] buf = new byte[1 << 16];
        try (InputStream layer = source.openLayer(Digest.parse(diffId))) {
            TarArchiveInputStream tar = new TarArchiveInputStream(layer);
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = LostEntries.normalize(e.getName());
                if (wantedEntries.contains(name) && !entryMeta.containsKey(name)) {
                    entryMeta.put(name, e);
                }
                if (e.isLink() && wanted.contains(LostEntries.normalize(e.getLinkName()))) {
                    hardlinks.put(name, LostEntries.normalize(e.getLinkName()));
                }
                if (!wanted.contains(name) || !e.isFile()) {
                    continue;
                }
                Path target = fs.resolve(diffDir + "/" + name);
                // beside the target; in diff/ itself when its directory was lost too (nothing may be
                // created in the layer's tree before the blob is proven: the directory comes later)
                Path tmp = Files.isDirectory(target.getParent(), LinkOption.NOFOLLOW_LINKS)
                        ? target.resolveSibling(TEMP_PREFIX + target.getFileName())
                        : fs.resolve(diffDir).resolve(TEMP_PREFIX + staged.size() + "-" + target.getFileName());
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);
                     OutputStream out = Channels.newOutputStream(ch)) {
                    int n;
                    while ((n = tar.read(buf)) > 0) {
                        out.write(buf, 0, n);
                    }
                    out.flush();
                    ch.force(true);
                }
                staged.put(name, tmp);
                meta.put(name, e);
            }
            // the proof: the whole layer stream must hash to the diffID before anything moves
            while (layer.read(buf) >= 0) {
                // drain the end-of-archive padding; the source verifies at EOF
            }
        } catch (IOException ex) {
            for (Path tmp : staged.values()) {
                Files.deleteIfExists(tmp);
            }
            throw new dev.dockfsck.repair.apply.NotRepairedException("healing layer " + chainId + " from " + appStore
                    + " failed: " + ex.getMessage(), ex);
        }
        List<String> missing = new ArrayList<>(wanted);
        missing.removeAll(staged.keySet());
        List<String> missingEntries = new ArrayList<>(wantedEntries);
        missingEntries.removeAll(entryMeta.keySet());
        entryMeta.values().stream().filter(e -> !LostEntries.makeable(e)).forEach(e -> missingEntries.add(LostEntries.normalize(e.getName()) + " (a "
                + (e.isFIFO() ? "FIFO" : e.isCharacterDevice() || e.isBlockDevice() ? "device" : "file with content")
                + " there)"));
        if (!missing.isEmpty() || !missingEntries.isEmpty()) {
            for (Path tmp : staged.values()) {
                Files.deleteIfExists(tmp);
            }
            throw new dev.dockfsck.repair.apply.NotRepairedException("healing layer " + chainId
                    + ": the app store's copy has no regular file " + missing
                    + (missingEntries.isEmpty() ? "" : " and no entry to recreate for " + missingEntries), null);
        }
        LostEntries.recreate(fs, diffDir, entryMeta);
        for (Map.Entry<String, Path> s : staged.entrySet()) {
            Path target = fs.resolve(diffDir + "/" + s.getKey());
            TarArchiveEntry e = meta.get(s.getKey());
            LostEntries.setMetadata(s.getValue(), e);
            Files.createDirectories(target.getParent()); // proven now; a tar may leave parents implicit
            Files.move(s.getValue(), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            RootedFs.fsyncDir(target.getParent());
        }
        for (Map.Entry<String, String> h : hardlinks.entrySet()) {
            Path link = fs.resolve(diffDir + "/" + h.getKey());
            Path to = fs.resolve(diffDir + "/" + h.getValue());
            Path tmp = link.resolveSibling(TEMP_PREFIX + link.getFileName());
            Files.deleteIfExists(tmp);
            Files.createLink(tmp, to);
            Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            RootedFs.fsyncDir(link.getParent());
        }
        return 0;
    }
}
