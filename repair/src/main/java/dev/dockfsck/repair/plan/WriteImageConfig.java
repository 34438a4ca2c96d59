package dev.dockfsck.repair.plan;

import dev.dockfsck.model.Digest;
import dev.dockfsck.model.appstore.StoreImage;
import dev.dockfsck.repair.apply.ApplyContext;
import java.io.IOException;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Writes back an image config that is lost, emptied or cut ({@code IMAGE_CONFIG_INVALID}, or a
 * tag or container naming a config that is gone) from the app store's config blob with the same
 * image ID: the ID is the sha256 of the config bytes, so the bytes are fixed by it and checked
 * against it before they are written. Written as dockerd's image store writes it (temp file,
 * fsync, rename; mode 0600). The image's layers stay as they are: the planner writes a config back
 * only when every layer of its chain is registered and kept, so dockerd lists the image again at
 * start and the containers on it keep working. Idempotent.
 *
 * @param imageId  the image ID ({@code sha256:<hex>})
 * @param path     root-relative {@code image/overlay2/imagedb/content/sha256/<hex>}
 * @param appStore where the app store is (the source, read-only)
 */
public record WriteImageConfig(String imageId, String path, String appStore, List<String> reasons) implements Action {
    public WriteImageConfig {
        reasons = List.copyOf(reasons);
        Digest id = Digest.parse(imageId);
        if (!path.endsWith("/imagedb/content/sha256/" + id.hex())) {
            throw new IllegalArgumentException("not the config path of image " + imageId + ": " + path);
        }
    }

    @Override
    public String describe() {
        return "write back the config of image " + Digest.parse(imageId).shortHex() + " from " + appStore;
    }

    @Override
    public long apply(ApplyContext ctx) throws IOException {
        Digest id = Digest.parse(imageId);
        StoreImage image = ctx.blobs().flatMap(b -> b.appStore())
                .flatMap(s -> s.images().stream().filter(i -> i.imageId().equals(id)).findFirst())
                .orElseThrow(() -> new IOException("writing back the config of image " + imageId + " needs the app store "
                        + appStore + " with that image: run again with --app-store " + appStore));
        byte[] config = image.configBytes();
        Digest got = Digest.sha256Of(config);
        if (!got.equals(id)) {
            throw new dev.dockfsck.repair.apply.NotRepairedException("the app store's config of image " + imageId
                    + " hashes to " + got + "; not written", null);
        }
        ctx.fs().writeAtomically(path, config, PosixFilePermissions.fromString("rw-------"));
        return 0;
    }
}
