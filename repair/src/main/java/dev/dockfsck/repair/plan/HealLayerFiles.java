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
import java.nio.file.attribute.FileTime;
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
 * owner, mode and mtime as in the tar, and re-links hard links to them. Nothing is put in place
 * before the whole blob has been read and proven to hash to the diffID: files are first written
 * to temp names beside their targets (fsynced), then renamed over them. The layer keeps its
 * chainID and cache-id, so every image and container on it stays valid.
 *
 * @param diffDir  root-relative {@code overlay2/<cache-id>/diff}
 * @param appStore where the blob comes from (for messages when a rerun lacks it)
 * @param files    the damaged files, as named in the layer tar
 */
public record HealLayerFiles(String chainId, String diffDir, String diffId, String appStore, List<String> files,
                             List<String> reasons) implements Action {
    private static final String TEMP_PREFIX = ".dockfsck-heal-";

    @Override
    public String describe() {
        return "heal " + files.size() + " file(s) of layer " + chainId + " from " + appStore;
    }

    @Override
    public long apply(ApplyContext ctx) throws IOException {
        LayerBlobSource source = ctx.blobs().orElseThrow(() -> new IOException("healing layer " + chainId
                + " needs the app store " + appStore + ": run again with --app-store " + appStore));
        RootedFs fs = ctx.fs();
        Set<String> wanted = new HashSet<>(files);
        Map<String, Path> staged = new LinkedHashMap<>();
        Map<String, TarArchiveEntry> meta = new LinkedHashMap<>();
        Map<String, String> hardlinks = new LinkedHashMap<>();
        byte[] buf = new byte[1 << 16];
        try (InputStream layer = source.openLayer(Digest.parse(diffId))) {
            TarArchiveInputStream tar = new TarArchiveInputStream(layer);
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String name = normalize(e.getName());
                if (e.isLink() && wanted.contains(normalize(e.getLinkName()))) {
                    hardlinks.put(name, normalize(e.getLinkName()));
                }
                if (!wanted.contains(name) || !e.isFile()) {
                    continue;
                }
                Path target = fs.resolve(diffDir + "/" + name);
                Path tmp = target.resolveSibling(TEMP_PREFIX + target.getFileName());
                Files.createDirectories(target.getParent());
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
            throw new IOException("healing layer " + chainId + " from " + appStore + " failed: " + ex.getMessage(), ex);
        }
        List<String> missing = new ArrayList<>(wanted);
        missing.removeAll(staged.keySet());
        if (!missing.isEmpty()) {
            for (Path tmp : staged.values()) {
                Files.deleteIfExists(tmp);
            }
            throw new IOException("healing layer " + chainId + ": the app store's copy has no regular file " + missing);
        }
        for (Map.Entry<String, Path> s : staged.entrySet()) {
            Path target = fs.resolve(diffDir + "/" + s.getKey());
            TarArchiveEntry e = meta.get(s.getKey());
            setMetadata(s.getValue(), e);
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

    private static void setMetadata(Path p, TarArchiveEntry e) throws IOException {
        try {
            Files.setAttribute(p, "unix:uid", (int) e.getLongUserId(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", (int) e.getLongGroupId(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:mode", e.getMode() & 07777, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException ex) {
            // a file system without unix attributes (tests on jimfs): content is what matters
        }
        Files.setLastModifiedTime(p, FileTime.from(e.getModTime().toInstant()));
    }

    private static String normalize(String name) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        while (n.startsWith("/")) {
            n = n.substring(1);
        }
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        return n;
    }
}
