package dev.dockfsck.model.hash;

import java.util.Random;

/**
 * Run in a fresh JVM by {@link Sha256EngineTest}: prints the engine this JVM picks and the digest
 * of a fixed pseudo-random input hashed through the buffer and the array paths in odd chunks.
 */
public final class EngineMain {
    private EngineMain() {
    }

    static String digestOf(Sha256Engine e, long seed, int total) {
        Random r = new Random(seed);
        byte[] data = new byte[total];
        r.nextBytes(data);
        int off = 0;
        boolean viaBuffer = false;
        while (off < total) {
            int n = Math.min(total - off, 1 + r.nextInt(300_000));
            if (viaBuffer) {
                n = Math.min(n, e.buffer().remaining());
                e.buffer().put(data, off, n);
                e.flushIfFull();
            } else {
                e.update(data, off, n);
            }
            viaBuffer = !viaBuffer;
            off += n;
        }
        return e.digest().toString();
    }

    public static void main(String[] args) {
        System.out.println("implementation=" + Sha256Engine.implementation());
        System.out.println("reason=" + Sha256Engine.nativeUnavailableReason());
        System.out.println("warning=" + Sha256Engine.performanceWarning().isPresent());
        Sha256Engine e = Sha256Engine.create(1 << 20);
        System.out.println("engine=" + e.name());
        System.out.println("digest=" + digestOf(e, 7, 5_000_003));
        System.out.println("again=" + digestOf(e, 7, 5_000_003));
        System.out.println("empty=" + e.digest());
    }
}
