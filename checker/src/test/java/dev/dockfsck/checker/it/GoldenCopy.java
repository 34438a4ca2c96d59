package dev.dockfsck.checker.it;

import dev.dockfsck.checker.Subject;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.model.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A private {@code cp -a} copy of the real dockerd's golden store, and the names of everything in
 * it: the sample images' chainIDs and image IDs, the container, its RW and init dirs. Ids that
 * dockerd chose at random (cache-ids, links, mount ids) are read from the copy itself.
 */
final class GoldenCopy {
    static final List<Digest> A_CHAIN = SampleSet.image(SampleSet.A).chainIds();
    static final List<Digest> B_CHAIN = SampleSet.image(SampleSet.B).chainIds();
    static final List<Digest> C_CHAIN = SampleSet.image(SampleSet.C).chainIds();
    /** The busybox base layer, shared by A, B and C. */
    static final Digest BASE = A_CHAIN.get(0);
    /** The app layer: A's and C's middle layer. */
    static final Digest APP = A_CHAIN.get(1);
    /** A's top layer (the container stands on it). */
    static final Digest PATCH = A_CHAIN.get(2);
    static final Digest EMPTY = B_CHAIN.get(1);
    /** B's top layer. */
    static final Digest SMALL = B_CHAIN.get(2);
    /** C's top layer. */
    static final Digest PADDED = C_CHAIN.get(2);
    static final Digest IMG_A = SampleSet.image(SampleSet.A).imageId();
    static final Digest IMG_B = SampleSet.image(SampleSet.B).imageId();
    static final Digest IMG_C = SampleSet.image(SampleSet.C).imageId();

    final Path root;
    final String cid;

    private GoldenCopy(Path root, String cid) {
        this.root = root;
        this.cid = cid;
    }

    /** A fresh copy at {@code dest} (skips the test when dockerd cannot run here). */
    static GoldenCopy at(Path dest) throws IOException {
        Dockerd.assumeAvailable();
        GoldenStore g = GoldenStore.get();
        g.copyTo(dest);
        return new GoldenCopy(dest, g.containerId());
    }

    Subject ctr() {
        return Subject.container(cid);
    }

    static String layerRel(Digest chain) {
        return "image/overlay2/layerdb/sha256/" + chain.hex();
    }

    Path layerDir(Digest chain) {
        return root.resolve(layerRel(chain));
    }

    String cacheId(Digest chain) throws IOException {
        return read(layerDir(chain).resolve("cache-id"));
    }

    String overlayRel(Digest chain) throws IOException {
        return "overlay2/" + cacheId(chain);
    }

    Path overlayDir(Digest chain) throws IOException {
        return root.resolve(overlayRel(chain));
    }

    String link(Digest chain) throws IOException {
        return read(overlayDir(chain).resolve("link"));
    }

    static String imageRel(Digest image) {
        return "image/overlay2/imagedb/content/sha256/" + image.hex();
    }

    Path imageConfig(Digest image) {
        return root.resolve(imageRel(image));
    }

    String mountsRel() {
        return "image/overlay2/layerdb/mounts/" + cid;
    }

    String mountId() throws IOException {
        return read(root.resolve(mountsRel()).resolve("mount-id"));
    }

    String containerConfigRel() {
        return containerDirRel() + "/config.v2.json";
    }

    String containerDirRel() {
        return "containers/" + cid;
    }

    Path repositories() {
        return root.resolve("image/overlay2/repositories.json");
    }

    static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    static void truncate(Path p) throws IOException {
        Files.write(p, new byte[0]);
    }

    static void rmTree(Path p) throws IOException {
        Process pr = new ProcessBuilder("rm", "-rf", "--one-file-system", p.toString()).inheritIO().start();
        try {
            if (pr.waitFor() != 0) {
                throw new IOException("rm -rf " + p + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /**
     * Bytes below a tree, computed here independently of the checker: sizes of regular files and
     * symlinks (lstat), each inode once, as dockerd's directory.Size counts them.
     */
    static long du(Path p) throws IOException {
        java.util.Set<Object> seen = new java.util.HashSet<>();
        long total = 0;
        try (var s = Files.walk(p)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                var a = Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS);
                if ((a.isRegularFile() || a.isSymbolicLink()) && seen.add(a.fileKey())) {
                    total += a.size();
                }
            }
        }
        return total;
    }
}
