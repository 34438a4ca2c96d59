package dev.dockfsck.cli.bench;

import dev.dockfsck.fixtures.image.ImageSpec;
import dev.dockfsck.fixtures.image.LayerSpec;
import dev.dockfsck.fixtures.store.StoreBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Writes a synthetic, clean Docker data root for benchmarks (scripts/bench-check.sh):
 * {@code IMAGES} images of {@code LAYERS} layers each, every layer its own (no sharing), so the
 * store holds IMAGES x LAYERS registered layers, each with its overlay2 dir, l/ link, lower chain
 * and tar-split. A layer holds a directory with {@value #FILES} small files (1 to 8 KiB, seeded
 * random bytes) and one text file. Deterministic: the same arguments give the same store.
 *
 * <pre>java -cp cli/target/dockfsck.jar:cli/target/test-classes dev.dockfsck.cli.bench.SyntheticStore ROOT [IMAGES [LAYERS]]</pre>
 */
public final class SyntheticStore {
    static final int FILES = 8;

    private SyntheticStore() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: SyntheticStore ROOT [IMAGES [LAYERS_PER_IMAGE]]");
            System.exit(16);
        }
        Path root = Path.of(args[0]);
        int images = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int layers = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        if (Files.exists(root)) {
            System.err.println(root + " exists");
            System.exit(8);
        }
        long t0 = System.nanoTime();
        StoreBuilder b = StoreBuilder.create(root, 20261128L);
        for (int i = 0; i < images; i++) {
            ImageSpec.Builder img = ImageSpec.builder("bench/app-" + i + ":1").label("bench", Integer.toString(i));
            for (int j = 0; j < layers; j++) {
                img.layer(layer(i, j));
            }
            b.load(img.build());
        }
        System.out.printf("wrote %s: %d images, %d layers in %.1f s%n", root, images, images * layers,
                (System.nanoTime() - t0) / 1e9);
    }

    static LayerSpec layer(int image, int layer) {
        Random r = new Random(image * 1_000_003L + layer);
        String d = "app" + layer;
        LayerSpec.Builder l = LayerSpec.builder().dir(d)
                .file(d + "/id.txt", "image " + image + " layer " + layer + "\n");
        for (int f = 0; f < FILES; f++) {
            byte[] bytes = new byte[1024 + r.nextInt(7 * 1024)];
            r.nextBytes(bytes);
            l.file(d + "/f" + f + ".bin", bytes, 0644);
        }
        return l.build();
    }
}
