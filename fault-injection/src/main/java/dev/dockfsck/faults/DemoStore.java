package dev.dockfsck.faults;

import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.fixtures.store.StoreIds;
import dev.dockfsck.model.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's sample store: the {@link SampleSet} images written as dockerd 20.10 writes them, a
 * container, a volume, then the damage a power cut leaves, one of each kind dockfsck handles.
 */
public final class DemoStore {
    /** One injected damage: what was done, and the finding code that names it. */
    public record Damage(String what, String code) {
    }

    private DemoStore() {
    }

    /** Builds the damaged store at {@code root} (which must not exist or be empty). */
    public static List<Damage> build(Path root) throws IOException {
        // the product execs no external tool: special objects are made in-process, or stood in for
        StoreBuilder b = StoreBuilder.create(root, new java.util.Random(20261128L), StoreBuilder.inProcessSpecials(root));
        b.load(SampleSet.images());
        b.createContainer(SampleSet.A, "demo-app", "sh", "-c", "cat /etc/app.conf");
        b.createVolume("demo-data", java.util.Map.of("notes.txt", "user data: never touched\n".getBytes()));
        StoreIds ids = b.ids();
        List<Damage> out = new ArrayList<>();

        StoreIds.ImageIds a = ids.imageByTag(SampleSet.A);
        StoreIds.ImageIds bImg = ids.imageByTag(SampleSet.B);
        StoreIds.ImageIds c = ids.imageByTag(SampleSet.C);
        StoreIds.LayerIds base = ids.layer(a.chainIds().get(0));
        StoreIds.LayerIds app = ids.layer(a.chainIds().get(1));

        // overlay2 link and l/ symlink: never synced by dockerd < 20.10.27
        Files.write(root.resolve("overlay2").resolve(base.cacheId()).resolve("link"), new byte[0]);
        out.add(new Damage("emptied overlay2/<base layer>/link", "OVERLAY_LINK_INVALID"));
        Files.delete(root.resolve("overlay2/l").resolve(app.linkId()));
        out.add(new Damage("deleted the l/ symlink of the app layer", "OVERLAY_SYMLINK_MISSING"));

        // layer metadata emptied: the image vanishes and re-loads fail with "file exists"
        Digest bTop = bImg.topChainId();
        Files.write(ids.layerDbDir(bTop).resolve("cache-id"), new byte[0]);
        out.add(new Damage("emptied the cache-id of " + SampleSet.B + "'s top layer", "LAYER_FILE_INVALID"));

        // layer data cut short: invisible to dockerd, found by --deep
        StoreIds.LayerIds cTop = ids.layer(c.topChainId());
        Path data = root.resolve("overlay2").resolve(cTop.cacheId()).resolve("diff/data/c.txt");
        Files.write(data, new byte[0], StandardOpenOption.TRUNCATE_EXISTING);
        out.add(new Damage("truncated /data/c.txt in " + SampleSet.C + "'s top layer", "LAYER_CONTENT_MISMATCH"));

        // leftovers of an interrupted docker load
        Path orphan = Files.createDirectories(root.resolve("overlay2")
                .resolve(Digest.sha256Of("demo-orphan".getBytes()).hex()).resolve("diff/usr/lib"));
        Files.write(orphan.resolve("half-extracted.so"), new byte[64 * 1024]);
        out.add(new Damage("an overlay2 dir from an interrupted extraction", "ORPHAN_CACHE_DIR"));
        Path ws = Files.createDirectories(root.resolve("image/overlay2/layerdb/tmp/write-set-3415297271"));
        Files.writeString(ws.resolve("diff"), "sha256:" + Digest.sha256Of("x".getBytes()).hex());
        out.add(new Damage("an uncommitted layerdb write-set", "STALE_WRITE_SET"));
        Path imp = Files.createDirectories(root.resolve("tmp/docker-import-3199797770"));
        Files.write(imp.resolve("repo.tar"), new byte[128 * 1024]);
        out.add(new Damage("the archive copy of an interrupted docker load", "STALE_IMPORT_TMP"));
        return out;
    }
}
