package dev.dockfsck.repair.plan;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.tarsplit.ContentMismatchException;
import dev.dockfsck.model.tarsplit.TarSplitAssembler;
import dev.dockfsck.model.tarsplit.TarSplitException;
import dev.dockfsck.model.tarsplit.TarSplitPacker;
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
import java.util.List;

/**
 * Rebuilds a lost, emptied or cut {@code tar-split.json.gz} from the app store's copy of the layer
 * (the blob whose uncompressed stream hashes to the layer's diffID), in the format dockerd's
 * packer writes ({@link TarSplitPacker}: raw segments for headers and padding, file entries with
 * name, size and CRC-64), gzip, fsync. It replaces the old file only when re-assembly from the new
 * tar-split and the layer's own {@code diff/} hashes to the diffID: the files on disk are proven,
 * not just the blob. Then {@code docker save} and {@code docker push} of every image on the layer
 * work again, and the deep check can prove the layer. Idempotent (the temp file is made afresh).
 *
 * @param tarSplit root-relative {@code image/overlay2/layerdb/sha256/<chainID>/tar-split.json.gz}
 * @param diffDir  root-relative {@code overlay2/<cache-id>/diff}
 */
public record RebuildTarSplit(String chainId, String tarSplit, String diffDir, String diffId, String appStore,
                              List<String> reasons) implements Action {
    static final String TEMP = ".dockfsck-tar-split.json.gz";

    public RebuildTarSplit {
        reasons = List.copyOf(reasons);
    }

    @Override
    public String describe() {
        return "rebuild the tar-split of layer " + chainId + " from " + appStore;
    }

    @Override
    public long apply(ApplyContext ctx) throws IOException {
        LayerBlobSource source = ctx.blobs().orElseThrow(() -> new IOException("rebuilding the tar-split of layer "
                + chainId + " needs the app store " + appStore + ": run again with --app-store " + appStore));
        RootedFs fs = ctx.fs();
        Path target = fs.resolve(tarSplit);
        Path tmp = target.resolveSibling(TEMP);
        Files.deleteIfExists(tmp);
        try {
            try (InputStream layer = source.openLayer(Digest.parse(diffId));
                 FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                         LinkOption.NOFOLLOW_LINKS);
                 OutputStream out = Channels.newOutputStream(ch)) {
                Digest read = TarSplitPacker.pack(layer, out).diffId();
                if (!read.toString().equals(diffId)) {
                    throw new IOException("the app store's copy hashes to " + read + ", not " + diffId);
                }
                out.flush();
                ch.force(true);
            }
            Digest assembled;
            try {
                assembled = TarSplitAssembler.digest(tmp, TarSplitAssembler.ContentSource.diffDir(fs.resolve(diffDir)))
                        .sha256();
            } catch (TarSplitException | ContentMismatchException e) {
                throw new IOException("the rebuilt tar-split does not re-assemble with diff/ (the layer's files differ "
                        + "from the app store's copy): " + e.getMessage(), e);
            }
            if (!assembled.toString().equals(diffId)) {
                throw new IOException("the rebuilt tar-split and diff/ re-assemble to " + assembled + ", not " + diffId
                        + ": the layer's files differ from the app store's copy");
            }
            Files.setAttribute(tmp, "unix:mode", 0644, LinkOption.NOFOLLOW_LINKS); // as dockerd writes it
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            RootedFs.fsyncDir(target.getParent());
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw new dev.dockfsck.repair.apply.NotRepairedException("rebuilding the tar-split of layer " + chainId
                    + " from " + appStore + " failed: " + e.getMessage(), e);
        }
        return 0;
    }
}
