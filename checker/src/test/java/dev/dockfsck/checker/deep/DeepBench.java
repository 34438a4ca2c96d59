package dev.dockfsck.checker.deep;

import dev.dockfsck.model.hash.Sha256Engine;
import dev.dockfsck.model.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Times {@link LayerVerifier#verifyAll} alone on a real data root (no CLI, no shallow walk):
 * {@code DeepBench <data root> <jobs> [rounds]}. Prints one line per round:
 * {@code jobs=N bytes=B seconds=S MBps=M engine=E verified=V/T}. With
 * {@code -Ddockfsck.bench.linkFirst=true} libcrypto is linked before the first round (as the CLI's
 * preload does), so the first round shows the cost of cold code alone.
 */
public final class DeepBench {
    private DeepBench() {
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args[0]);
        int jobs = Integer.parseInt(args[1]);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<LayerJob> work = new ArrayList<>();
        Path layerdb = root.resolve("image/overlay2/layerdb/sha256");
        try (Stream<Path> s = Files.list(layerdb)) {
            for (Path l : s.sorted().toList()) {
                if (!Digest.isHex64(l.getFileName().toString())) {
                    continue;
                }
                Digest diff = Digest.parse(Files.readString(l.resolve("diff"), StandardCharsets.US_ASCII).strip());
                String cache = Files.readString(l.resolve("cache-id"), StandardCharsets.US_ASCII).strip();
                long size = Long.parseLong(Files.readString(l.resolve("size"), StandardCharsets.US_ASCII).strip());
                work.add(new LayerJob(Digest.ofHex(l.getFileName().toString()), diff,
                        root.resolve("overlay2").resolve(cache).resolve("diff"), l.resolve("tar-split.json.gz"), size));
            }
        }
        if (Boolean.getBoolean("dockfsck.bench.linkFirst")) {
            Sha256Engine.implementation(); // link libcrypto before the first round, as the CLI's preload does
        }
        for (int r = 0; r < rounds; r++) {
            com.sun.management.OperatingSystemMXBean os =
                    (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long c0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            List<LayerVerification> res = LayerVerifier.verifyAll(work, jobs, null);
            double s = (System.nanoTime() - t0) / 1e9;
            double cpu = (os.getProcessCpuTime() - c0) / 1e9;
            long bytes = res.stream().mapToLong(LayerVerification::contentBytes).sum();
            long ok = res.stream().filter(LayerVerification::verified).count();
            System.out.printf("jobs=%d bytes=%d seconds=%.3f cpu=%.3f MBps=%.0f engine=%s verified=%d/%d%n", jobs, bytes, s,
                    cpu, bytes / s / 1e6, Sha256Engine.implementation(), ok, res.size());
        }
    }
}
