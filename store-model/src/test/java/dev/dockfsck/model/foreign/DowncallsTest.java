package dev.dockfsck.model.foreign;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dockfsck.model.foreign.Downcalls.C;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The foreign linker on whichever JDK runs the test (JDK 17: the incubator, which surefire's flags
 * add; JDK 22+: the final java.lang.foreign), and, when a JDK 25 is on the machine, the same
 * probe in a JDK 25 child with only {@code --enable-native-access=ALL-UNNAMED} (as the launcher
 * starts it): no incubator module, nothing on stderr.
 */
class DowncallsTest {
    /** Where these machines keep a JDK 25 (docs/benchmarks.md); -Ddockfsck.jdk25=DIR overrides. */
    static final Path JDK25 = Path.of(System.getProperty("dockfsck.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64"));

    /** In this JVM: JDK 22+ has the final API without any flag; JDK 17 only with the incubator module added. */
    @Test
    void apiMatchesTheRunningJdk() throws Throwable {
        if (Runtime.version().feature() >= 22) {
            assertEquals("java.lang.foreign", Downcalls.api(), Downcalls.unavailableReason());
            assertEquals("ok", probe());
        } else if (ModuleLayer.boot().findModule("jdk.incubator.foreign").isPresent()) {
            assertEquals("jdk.incubator.foreign", Downcalls.api(), Downcalls.unavailableReason());
            assertEquals("ok", probe());
        } else {
            assertFalse(Downcalls.available());
            assertEquals("", Downcalls.api());
            assertTrue(Downcalls.unavailableReason().contains("jdk.incubator.foreign"), Downcalls.unavailableReason());
        }
    }

    /** JDK 17 (the one running the build) as the launcher starts it: the incubator path. */
    @Test
    void incubatorOnJdk17AsTheLauncherStartsIt() throws Exception {
        assumeTrue(Runtime.version().feature() == 17, "not on JDK 17");
        String out = child(Path.of(System.getProperty("java.home")), "--add-modules=jdk.incubator.foreign",
                "--enable-native-access=ALL-UNNAMED");
        assertEquals("jdk.incubator.foreign ok", out);
    }

    /** Every kind of call the product makes: int, long and pointer arguments and returns, memory reads. */
    static String probe() throws Throwable {
        if (!Downcalls.available()) {
            return "unavailable: " + Downcalls.unavailableReason();
        }
        MethodHandle strlen = Downcalls.link("strlen", false, C.LONG, C.POINTER).orElseThrow();
        ByteBuffer s = ByteBuffer.allocateDirect(16);
        s.put(0, "dockfsck\0".getBytes(StandardCharsets.US_ASCII)); // absolute: the address is of position 0
        long addr = Downcalls.addressOf(s);
        check(addr != 0, "address of a direct buffer");
        check((long) strlen.invokeExact(addr) == 8, "strlen");
        check(new String(Downcalls.readCString(addr), StandardCharsets.US_ASCII).equals("dockfsck"), "readCString");
        MethodHandle getpid = Downcalls.link("getpid", false, C.INT).orElseThrow();
        check((int) getpid.invokeExact() == (int) ProcessHandle.current().pid(), "getpid");
        // errno after a failing call, read through the pointer __errno_location returns
        MethodHandle errnoAt = Downcalls.link("__errno_location", false, C.POINTER).orElseThrow();
        MethodHandle close = Downcalls.link("close", false, C.INT, C.INT).orElseThrow();
        check((int) close.invokeExact(-1) == -1, "close(-1)");
        long loc = (long) errnoAt.invokeExact();
        check(Downcalls.readInt(loc) == 9, "errno EBADF");
        MethodHandle strerror = Downcalls.link("strerror", false, C.POINTER, C.INT).orElseThrow();
        long msg = (long) strerror.invokeExact(2);
        check(new String(Downcalls.readCString(msg), StandardCharsets.UTF_8).contains("No such file"), "strerror");
        MethodHandle memset = Downcalls.link("memset", false, C.POINTER, C.POINTER, C.INT, C.LONG).orElseThrow();
        ByteBuffer b = ByteBuffer.allocateDirect(4);
        long r = (long) memset.invokeExact(Downcalls.addressOf(b), 0x5a, 4L);
        check(r == Downcalls.addressOf(b), "pointer return");
        byte[] got = new byte[4];
        b.get(0, got);
        check(java.util.Arrays.equals(got, new byte[] {0x5a, 0x5a, 0x5a, 0x5a}), "memset");
        check(Downcalls.link("no_such_symbol_dockfsck", false, C.INT).isEmpty(), "absent symbol");
        return "ok";
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    /** For the JDK 25 child: prints the API and the probe's result. */
    public static void main(String[] args) throws Throwable {
        System.out.println(Downcalls.api() + " " + probe());
    }

    @Test
    void finalApiOnJdk25WithoutIncubatorOrWarning() throws Exception {
        assumeTrue(Files.isExecutable(JDK25.resolve("bin/java")), "no JDK 25 at " + JDK25);
        assertEquals("java.lang.foreign ok", child(JDK25, "--enable-native-access=ALL-UNNAMED"));
    }

    /** Runs {@link #main} in a child JVM of that JDK with those flags; its stdout, after checking stderr is empty. */
    private static String child(Path jdk, String... flags) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(jdk.resolve("bin/java").toString());
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), DowncallsTest.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.PIPE)
                .redirectError(ProcessBuilder.Redirect.PIPE).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "JDK 25 child did not end");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out + err);
        if (!List.of(flags).contains("--add-modules=jdk.incubator.foreign")) {
            assertEquals("", err, "stderr of the child");
        } else {
            assertEquals("WARNING: Using incubator modules: jdk.incubator.foreign", err.strip());
        }
        return out.strip();
    }

    @Test
    void readIntAndBytesOfOwnBuffer() {
        assumeTrue(Downcalls.available());
        ByteBuffer b = ByteBuffer.allocateDirect(8).order(java.nio.ByteOrder.nativeOrder());
        b.putInt(0, 0x01020304);
        assertEquals(0x01020304, Downcalls.readInt(Downcalls.addressOf(b)));
        b.put(4, (byte) 'x');
        assertArrayEquals(new byte[] {'x'}, Downcalls.readCString(Downcalls.addressOf(b) + 4));
    }
}
