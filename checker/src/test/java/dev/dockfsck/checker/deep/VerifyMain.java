package dev.dockfsck.checker.deep;

import dev.dockfsck.model.fs.RawPaths;
import dev.dockfsck.model.hash.Sha256Engine;
import dev.dockfsck.model.Digest;
import java.nio.file.Path;

/**
 * Runs one verification in a fresh JVM (tests start it under other locales and flags):
 * {@code VerifyMain <diffDir> <tarSplit> <diffId>}; prints {@code exact=<bool>},
 * {@code jnu=<charset>}, {@code outcome=<OUTCOME>} and one {@code damaged=<file>} line each.
 */
public final class VerifyMain {
    private VerifyMain() {
    }

    public static void main(String[] args) {
        LayerJob job = new LayerJob(Digest.parse(args[2]), Digest.parse(args[2]), Path.of(args[0]), Path.of(args[1]));
        LayerVerification v = new LayerVerifier().verify(job);
        System.out.println("exact=" + RawPaths.exact());
        System.out.println("sha256=" + Sha256Engine.implementation());
        System.out.println("jnu=" + RawPaths.fileNameCharset().name());
        System.out.println("outcome=" + v.outcome());
        for (DamagedFile d : v.damaged()) {
            System.out.println("damaged=" + d.name() + "|" + d.kind() + "|" + d.expectedSize() + "|" + d.actualSize());
        }
    }
}
