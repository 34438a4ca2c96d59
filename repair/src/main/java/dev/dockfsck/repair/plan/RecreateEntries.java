package dev.dockfsck.repair.plan;

import dev.dockfsck.model.tarsplit.TarSplitException;
import dev.dockfsck.model.tarsplit.TarSplitReader;
import dev.dockfsck.repair.apply.ApplyContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Recreates a layer's lost entries without content (directories, symbolic links, hard links,
 * empty files) from its own {@code tar-split.json.gz}: the raw tar headers recorded there are the
 * ones dockerd extracted the layer from, and the deep check that planned this proved them (the
 * re-assembled tar hashed to the diffID). No copy of the layer is needed, so a device without an
 * app store keeps the layer, its images and containers. The headers before each entry (PAX and
 * GNU long-name records included) are read with commons-compress, the same way as from a whole
 * tar; entries are made by {@link LostEntries}. Idempotent.
 *
 * @param diffDir  root-relative {@code overlay2/<cache-id>/diff}
 * @param tarSplit root-relative {@code image/overlay2/layerdb/sha256/<chainID>/tar-split.json.gz}
 * @param entries  the lost entries, as named in the layer tar (no trailing '/')
 */
public record RecreateEntries(String chainId, String diffDir, String tarSplit, List<String> entries,
                              List<String> reasons) implements Action {
    /** Headers of one entry longer than this (PAX records) are not believed. */
    private static final int MAX_HEADERS = 1 << 20;

    public RecreateEntries {
        entries = List.copyOf(entries);
        reasons = List.copyOf(reasons);
    }

    @Override
    public String describe() {
        return "recreate " + entries.size() + " lost entr" + (entries.size() == 1 ? "y" : "ies")
                + " without content of layer " + chainId + " from its tar-split";
    }

    @Override
    public long apply(ApplyContext ctx) throws IOException {
        Set<String> wanted = new HashSet<>(entries);
        Map<String, TarArchiveEntry> found = new LinkedHashMap<>();
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        long previousSize = 0;
        try (TarSplitReader r = TarSplitReader.open(ctx.fs().resolve(tarSplit))) {
            while (r.next()) {
                if (r.isSegment()) {
                    if (headers.size() + r.payloadLength() > MAX_HEADERS) {
                        throw new IOException("tar-split of layer " + chainId + ": more than " + MAX_HEADERS
                                + " bytes of headers before one entry");
                    }
                    headers.write(r.payloadBuffer(), 0, r.payloadLength());
                    continue;
                }
                String name = LostEntries.normalize(new String(r.nameBytes(), StandardCharsets.UTF_8));
                if (wanted.contains(name) && !found.containsKey(name)) {
                    found.put(name, header(headers.toByteArray(), previousSize, name));
                }
                previousSize = r.size();
                headers.reset();
            }
        } catch (TarSplitException e) {
            throw new IOException("tar-split of layer " + chainId + ": " + e.getMessage(), e);
        }
        List<String> missing = new ArrayList<>(wanted);
        missing.removeAll(found.keySet());
        found.forEach((n, e) -> {
            if (!LostEntries.makeable(e)) {
                missing.add(n + " (not an entry without content in the tar-split)");
            }
        });
        if (!missing.isEmpty()) {
            throw new IOException("layer " + chainId + ": its tar-split has nothing to recreate " + missing + " from");
        }
        LostEntries.recreate(ctx.fs(), diffDir, found);
        return 0;
    }

    /**
     * The entry whose headers end {@code raw}: the raw bytes since the previous file entry start
     * with that file's padding to 512, then this entry's header blocks (PAX, GNU long names, the
     * ustar header), which commons-compress reads as the start of a tar.
     */
    private TarArchiveEntry header(byte[] raw, long previousSize, String name) throws IOException {
        int pad = (int) ((512 - previousSize % 512) % 512);
        if (raw.length < pad + 512) {
            throw new IOException("tar-split of layer " + chainId + ": no tar header recorded for " + name);
        }
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new SequenceInputStream(
                new ByteArrayInputStream(raw, pad, raw.length - pad), new ByteArrayInputStream(new byte[1024])),
                StandardCharsets.UTF_8.name())) {
            TarArchiveEntry e = tar.getNextEntry();
            if (e == null || !LostEntries.normalize(e.getName()).equals(name)) {
                throw new IOException("tar-split of layer " + chainId + ": the header recorded for " + name + " names "
                        + (e == null ? "nothing" : e.getName()));
            }
            return e;
        } catch (IllegalArgumentException e) {
            throw new IOException("tar-split of layer " + chainId + ": the header recorded for " + name
                    + " cannot be read: " + e.getMessage(), e);
        }
    }
}
