package dev.dockfsck.model;

/**
 * Start-up and phase timers for finding where a run's wall time goes (docs/benchmarks.md,
 * "Start-up"): with {@code DOCKFSCK_PHASES=1} in the environment each {@link #mark} prints one
 * line on stderr, {@code dockfsck: phase <name> <ms since the first mark> (+<ms since the
 * previous one>)}. Off (the default), a mark is one read of a static final field.
 */
public final class Phases {
    private static final String MODE = System.getenv("DOCKFSCK_PHASES");
    private static final boolean ON = "1".equals(MODE) || "sample".equals(MODE);
    private static long first;
    private static long last;

    private Phases() {
    }

    public static boolean on() {
        return ON;
    }

    /**
     * Marks the end of the run ({@code exit}) and prints, when on, each thread's CPU time and the
     * sampler's summary: the CLI calls it last, before it ends the JVM (which may skip shutdown hooks).
     */
    public static void end() {
        if (ON) {
            print("exit");
            threadTimes();
            Runnable s = samplerSummary;
            if (s != null) {
                s.run();
            }
        }
    }

    private static volatile Runnable samplerSummary;

    /** Marks the end of phase {@code name}. */
    public static void mark(String name) {
        if (ON) {
            print(name);
        }
    }

    private static synchronized void print(String name) {
        long now = System.nanoTime();
        if (first == 0) {
            first = now;
            last = now;
            if ("sample".equals(MODE)) {
                sample(Thread.currentThread());
            }
        }
        System.err.printf("dockfsck: phase %-28s %7.1f ms (+%.1f) [%s]%n", name, (now - first) / 1e6, (now - last) / 1e6,
                Thread.currentThread().getName());
        last = now;
    }

    /**
     * {@code DOCKFSCK_PHASES=sample}: also samples the marking thread's stack every millisecond
     * and prints, at exit, the methods most often on it (self and total), 40 of each. A crude
     * profiler (samples at safepoints), for runs too short for JFR's own start-up.
     */
    private static void sample(Thread target) {
        java.util.Map<String, Integer> self = new java.util.HashMap<>();
        java.util.Map<String, Integer> total = new java.util.HashMap<>();
        int[] n = {0};
        Thread t = new Thread(() -> {
            while (true) {
                StackTraceElement[] st = target.getStackTrace();
                if (st.length > 0) {
                    synchronized (self) {
                        n[0]++;
                        self.merge(st[0].getClassName() + "." + st[0].getMethodName(), 1, Integer::sum);
                        java.util.Set<String> seen = new java.util.HashSet<>();
                        for (StackTraceElement e : st) {
                            String m = e.getClassName() + "." + e.getMethodName();
                            if (seen.add(m)) {
                                total.merge(m, 1, Integer::sum);
                            }
                        }
                    }
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "dockfsck-sampler");
        t.setDaemon(true);
        t.start();
        samplerSummary = () -> {
            synchronized (self) {
                System.err.println("dockfsck: sampler: " + n[0] + " samples");
                for (var m : java.util.List.of(self, total)) {
                    m.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(Integer.getInteger("dockfsck.samples", 40))
                            .forEach(e -> System.err.printf("  %5d %s%n", e.getValue(), e.getKey()));
                    System.err.println("  --");
                }
            }
        };
    }

    /** At the end: the CPU time of each of the process's threads, from /proc (Linux). */
    private static void threadTimes() {
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            StringBuilder b = new StringBuilder("dockfsck: phase thread CPU ms:");
            for (java.nio.file.Path t : tasks.sorted().toList()) {
                String stat = java.nio.file.Files.readString(t.resolve("stat"));
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
                if (ticks > 0) {
                    b.append(' ').append(name.replace(' ', '_')).append('=').append(ticks * 10);
                }
            }
            System.err.println(b);
        } catch (java.io.IOException | RuntimeException e) {
            System.err.println("dockfsck: phase thread CPU: " + e);
        }
    }
}
