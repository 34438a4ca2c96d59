package dev.dockfsck.repair.plan;

import dev.dockfsck.model.Digest;
import dev.dockfsck.repair.apply.ApplyContext;
import dev.dockfsck.repair.apply.LayerBlobSource;
import dev.dockfsck.repair.apply.RootedFs;
import dev.dockfsck.repair.extract.DiffWriter;
import dev.dockfsck.repair.extract.LayerTar;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.util.List;

/**
 * Re-extracts a layer whose overlay2 directory (or its {@code diff/}) was lost, into the
 * <em>same</em> cache-id, from the app store's copy of the layer (the blob whose uncompressed
 * stream hashes to the layer's diffID): {@code diff/} as dockerd writes it ({@link DiffWriter}),
 * {@code link} and its {@code l/} symlink, {@code lower} from the parent chain, {@code work/} when
 * the layer has a parent, {@code committed} when a layer was created on it. The chainID and
 * cache-id stay, so every image and container on the layer survives without a re-load.
 *
 * <p>Crash-safe and idempotent: the files go to {@code <cache-id>/.dockfsck-extract} first;
 * only when the whole blob was read and proven to hash to the diffID does it replace {@code diff/}
 * (rename, directory fsync). A rerun after a crash starts the staging afresh.
 *
 * @param overlayDir root-relative {@code overlay2/<cache-id>}
 * @param link       the dir's 26-character short id (its {@code link} file and {@code l/} name)
 * @param lower      the {@code lower} file's content ({@code l/A:l/B...}); empty for a base layer
 * @param work       whether dockerd has a {@code work/} dir here (a layer with a parent)
 * @param committed  whether a layer was created on this one (dockerd's {@code committed} marker)
 * @param tarSplit   root-relative {@code tar-split.json.gz} to rewrite from the same read (it was lost or
 *                   cut too), or null to leave it
 */
public record ExtractLayer(String chainId, String overlayDir, String diffId, String appStore, String link, String lower,
                           boolean work, boolean committed, String tarSplit, List<String> reasons) implements Action {
    static final String STAGING = ".dockfsck-extract";
    static final String OLD = ".dockfsck-old-diff";

    public ExtractLayer {
        reasons = List.copyOf(reasons);
        lower = lower == null ? "" : lower;
    }

    @Override
    public String describe() {
        return "re-extract layer " + chainId + " into " + overlayDir + " from " + appStore;
    }

    @Override
    public long apply(ApplyContext ctx) throws IOException {
        LayerBlobSource source = ctx.blobs().orElseThrow(() -> new IOException("re-extracting layer " + chainId
                + " needs the app store " + appStore + ": run again with --app-store " + appStore));
        RootedFs fs = ctx.fs();
        Path dir = fs.resolve(overlayDir);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(dir);
            Files.setAttribute(dir, "unix:mode", 0710, LinkOption.NOFOLLOW_LINKS);
            RootedFs.fsyncDir(dir.getParent());
        }
        fs.removeTree(overlayDir + "/" + STAGING);
        Path staging = Files.createDirectory(dir.resolve(STAGING));
        Files.setAttribute(staging, "unix:mode", 0755, LinkOption.NOFOLLOW_LINKS);
        DiffWriter w = new DiffWriter(staging);
        Path newTarSplit = tarSplit == null ? null : fs.resolve(tarSplit).resolveSibling(RebuildTarSplit.TEMP);
        try (InputStream layer = source.openLayer(Digest.parse(diffId));
             FileChannel ts = newTarSplit == null ? null : FileChannel.open(newTarSplit, StandardOpenOption.CREATE,
                     StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
             OutputStream tsOut = ts == null ? OutputStream.nullOutputStream() : Channels.newOutputStream(ts)) {
            // read to the end (the source throws there when the bytes do not hash to the diffID),
            // and the packer's own digest of what it read must be the diffID too
            Digest read = LayerTar.read(layer, tsOut, w::entry).diffId();
            if (!read.toString().equals(diffId)) {
                throw new IOException("the app store's copy hashes to " + read + ", not " + diffId);
            }
            w.finish();
            tsOut.flush();
            if (ts != null) {
                ts.force(true);
            }
        } catch (IOException e) {
            fs.removeTree(overlayDir + "/" + STAGING);
            if (newTarSplit != null) {
                Files.deleteIfExists(newTarSplit);
            }
            throw new dev.dockfsck.repair.apply.NotRepairedException("re-extracting layer " + chainId + " from " + appStore
                    + " failed: " + e.getMessage(), e);
        }
        // proven: put it in place
        fs.removeTree(overlayDir + "/" + OLD);
        fs.rename(overlayDir + "/diff", overlayDir + "/" + OLD);
        fs.rename(overlayDir + "/" + STAGING, overlayDir + "/diff");
        fs.removeTree(overlayDir + "/" + OLD);
        if (newTarSplit != null) {
            Files.setAttribute(newTarSplit, "unix:mode", 0644, LinkOption.NOFOLLOW_LINKS);
            Files.move(newTarSplit, fs.resolve(tarSplit), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            RootedFs.fsyncDir(newTarSplit.getParent());
        }
        byte[] linkBytes = link.getBytes(StandardCharsets.US_ASCII);
        if (!sameContent(dir.resolve("link"), linkBytes)) {
            fs.writeAtomically(overlayDir + "/link", linkBytes);
        }
        String cacheId = dir.getFileName().toString();
        fs.symlink(overlayDir.substring(0, overlayDir.lastIndexOf('/') + 1) + "l/" + link, "../" + cacheId + "/diff");
        if (!lower.isEmpty() && !sameContent(dir.resolve("lower"), lower.getBytes(StandardCharsets.US_ASCII))) {
            fs.writeAtomically(overlayDir + "/lower", lower.getBytes(StandardCharsets.US_ASCII));
        }
        if (work && !Files.isDirectory(dir.resolve("work"), LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(dir.resolve("work"));
            Files.setAttribute(dir.resolve("work"), "unix:mode", 0700, LinkOption.NOFOLLOW_LINKS);
        }
        if (committed && !Files.exists(dir.resolve("committed"), LinkOption.NOFOLLOW_LINKS)) {
            fs.writeAtomically(overlayDir + "/committed", new byte[0]);
            Files.setAttribute(dir.resolve("committed"), "unix:mode", 0600, LinkOption.NOFOLLOW_LINKS);
        }
        RootedFs.fsyncDir(dir);
        return 0;
    }

    private static boolean sameContent(Path p, byte[] want) {
        try {
            return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && java.util.Arrays.equals(Files.readAllBytes(p), want);
        } catch (IOException e) {
            return false;
        }
    }
}
