package dev.dockfsck.model.foreign;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Calls into C libraries through the JVM's foreign linker, looked up reflectively so the code
 * builds with {@code --release 17} and runs without it: on JDK 22+ the final API
 * ({@code java.lang.foreign}: no incubator module, no warning), on JDK 17 the incubator
 * ({@code jdk.incubator.foreign}). {@link #available()} says whether this JVM can: JDK 17 needs
 * {@code --add-modules jdk.incubator.foreign}, both need {@code --enable-native-access=ALL-UNNAMED}
 * (the launcher passes what its JDK needs); {@link #api()} says which one is in use.
 *
 * <p>Handles are adapted to plain Java types: a C pointer is a {@code long} address (of a direct
 * {@link ByteBuffer}, see {@link #addressOf}), {@code int} is {@code int}, {@code long}/{@code size_t}
 * are {@code long} (LP64 Linux). A handle is linked once and reused; each call is a plain
 * {@code invokeExact}.
 */
public final class Downcalls {
    /** C types a downcall's return and arguments can have. */
    public enum C {
        INT, LONG, POINTER
    }

    private static final Object LINKER;
    private static final Class<?> MEMORY_ADDRESS;
    private static final Class<?> LAYOUT;
    private static final Method FD_OF;
    private static final Method FD_OF_VOID;
    private static final Method DOWNCALL;
    private static final Object[] LAYOUTS = new Object[3];
    private static final MethodHandle OF_LONG;
    private static final MethodHandle TO_LONG;
    private static final MethodHandle ADDRESS_OF;
    private static final Object SYSTEM_LOOKUP;
    private static final Object LOADER_LOOKUP;
    private static final Method LOOKUP;
    private static final String REASON;
    /** Which API the handles come from: "java.lang.foreign", "jdk.incubator.foreign" or "" (none). */
    private static final String API;
    /** (long address) int and (long address) byte, on the whole native address space. */
    private static final MethodHandle GET_INT;
    private static final MethodHandle GET_BYTE;

    static {
        Object linker = null;
        Class<?> addressable = null;
        Class<?> memAddr = null;
        Class<?> layout = null;
        Method fdOf = null;
        Method fdOfVoid = null;
        Method downcall = null;
        MethodHandle ofLong = null;
        MethodHandle toLong = null;
        MethodHandle addressOf = null;
        Object sysLookup = null;
        Object loaderLookup = null;
        Method lookup = null;
        String reason = "";
        MethodHandle getInt = null;
        MethodHandle getByte = null;
        String api = "";
        try {
            if (Runtime.version().feature() >= 22) {
                // the final API (java.lang.foreign, JDK 22+): no incubator module, no warning
                Class<?> linkerC = Class.forName("java.lang.foreign.Linker");
                Class<?> lookupC = Class.forName("java.lang.foreign.SymbolLookup");
                Class<?> segC = Class.forName("java.lang.foreign.MemorySegment");
                Class<?> fdC = Class.forName("java.lang.foreign.FunctionDescriptor");
                Class<?> valueC = Class.forName("java.lang.foreign.ValueLayout");
                Class<?> optionC = Class.forName("java.lang.foreign.Linker$Option");
                layout = Class.forName("java.lang.foreign.MemoryLayout");
                memAddr = segC;
                linker = linkerC.getMethod("nativeLinker").invoke(null);
                sysLookup = linkerC.getMethod("defaultLookup").invoke(linker);
                loaderLookup = lookupC.getMethod("loaderLookup").invoke(null);
                lookup = lookupC.getMethod("find", String.class);
                LAYOUTS[C.INT.ordinal()] = valueC.getField("JAVA_INT").get(null);
                LAYOUTS[C.LONG.ordinal()] = valueC.getField("JAVA_LONG").get(null);
                LAYOUTS[C.POINTER.ordinal()] = valueC.getField("ADDRESS").get(null);
                Object layouts = Array.newInstance(layout, 0);
                fdOf = fdC.getMethod("of", layout, layouts.getClass());
                fdOfVoid = fdC.getMethod("ofVoid", layouts.getClass());
                downcall = linkerC.getMethod("downcallHandle", segC, fdC, Array.newInstance(optionC, 0).getClass());
                MethodHandles.Lookup pub = MethodHandles.publicLookup();
                ofLong = pub.findStatic(segC, "ofAddress", MethodType.methodType(segC, long.class));
                toLong = pub.findVirtual(segC, "address", MethodType.methodType(long.class));
                MethodHandle ofBuffer = pub.findStatic(segC, "ofBuffer",
                        MethodType.methodType(segC, Class.forName("java.nio.Buffer")));
                addressOf = MethodHandles.filterReturnValue(
                        ofBuffer.asType(MethodType.methodType(segC, ByteBuffer.class)), toLong);
                // the whole address space: NULL widened (a restricted call, as the downcalls are)
                Object nul = segC.getField("NULL").get(null);
                Object everything = segC.getMethod("reinterpret", long.class).invoke(nul, Long.MAX_VALUE);
                Class<?> ofIntC = Class.forName("java.lang.foreign.ValueLayout$OfInt");
                Class<?> ofByteC = Class.forName("java.lang.foreign.ValueLayout$OfByte");
                getInt = MethodHandles.insertArguments(pub.findVirtual(segC, "get",
                        MethodType.methodType(int.class, ofIntC, long.class)), 0, everything, LAYOUTS[C.INT.ordinal()]);
                getByte = MethodHandles.insertArguments(pub.findVirtual(segC, "get",
                        MethodType.methodType(byte.class, ofByteC, long.class)), 0, everything,
                        valueC.getField("JAVA_BYTE").get(null));
                api = "java.lang.foreign";
            } else {
                Class<?> linkerC = Class.forName("jdk.incubator.foreign.CLinker");
                Class<?> lookupC = Class.forName("jdk.incubator.foreign.SymbolLookup");
                addressable = Class.forName("jdk.incubator.foreign.Addressable");
                memAddr = Class.forName("jdk.incubator.foreign.MemoryAddress");
                Class<?> fdC = Class.forName("jdk.incubator.foreign.FunctionDescriptor");
                layout = Class.forName("jdk.incubator.foreign.MemoryLayout");
                Class<?> segC = Class.forName("jdk.incubator.foreign.MemorySegment");
                linker = linkerC.getMethod("getInstance").invoke(null);
                sysLookup = linkerC.getMethod("systemLookup").invoke(null);
                loaderLookup = lookupC.getMethod("loaderLookup").invoke(null);
                lookup = lookupC.getMethod("lookup", String.class);
                LAYOUTS[C.INT.ordinal()] = linkerC.getField("C_INT").get(null);
                LAYOUTS[C.LONG.ordinal()] = linkerC.getField("C_LONG").get(null);
                LAYOUTS[C.POINTER.ordinal()] = linkerC.getField("C_POINTER").get(null);
                Object layouts = Array.newInstance(layout, 0);
                fdOf = fdC.getMethod("of", layout, layouts.getClass());
                fdOfVoid = fdC.getMethod("ofVoid", layouts.getClass());
                downcall = linkerC.getMethod("downcallHandle", addressable, MethodType.class, fdC);
                ofLong = MethodHandles.publicLookup().findStatic(memAddr, "ofLong", MethodType.methodType(memAddr, long.class));
                toLong = MethodHandles.publicLookup().findVirtual(memAddr, "toRawLongValue", MethodType.methodType(long.class));
                MethodHandle ofBuffer = MethodHandles.publicLookup()
                        .findStatic(segC, "ofByteBuffer", MethodType.methodType(segC, ByteBuffer.class));
                MethodHandle segAddress = MethodHandles.publicLookup()
                        .findVirtual(segC, "address", MethodType.methodType(memAddr));
                addressOf = MethodHandles.filterReturnValue(MethodHandles.filterReturnValue(ofBuffer, segAddress), toLong);
                Class<?> accessC = Class.forName("jdk.incubator.foreign.MemoryAccess");
                Object everything = segC.getMethod("globalNativeSegment").invoke(null);
                getInt = MethodHandles.insertArguments(MethodHandles.publicLookup().findStatic(accessC, "getIntAtOffset",
                        MethodType.methodType(int.class, segC, long.class)), 0, everything);
                getByte = MethodHandles.insertArguments(MethodHandles.publicLookup().findStatic(accessC, "getByteAtOffset",
                        MethodType.methodType(byte.class, segC, long.class)), 0, everything);
                api = "jdk.incubator.foreign";
            }
        } catch (Throwable e) {
            linker = null;
            Throwable c = e instanceof InvocationTargetException && e.getCause() != null ? e.getCause() : e;
            reason = c.getClass().getSimpleName() + ": " + c.getMessage();
        }
        LINKER = linker;
        MEMORY_ADDRESS = memAddr;
        LAYOUT = layout;
        FD_OF = fdOf;
        FD_OF_VOID = fdOfVoid;
        DOWNCALL = downcall;
        OF_LONG = ofLong;
        TO_LONG = toLong;
        ADDRESS_OF = addressOf;
        SYSTEM_LOOKUP = sysLookup;
        LOADER_LOOKUP = loaderLookup;
        LOOKUP = lookup;
        REASON = reason;
        API = linker == null ? "" : api;
        GET_INT = getInt;
        GET_BYTE = getByte;
    }

    private Downcalls() {
    }

    /** Whether this JVM can call C at all. */
    public static boolean available() {
        return LINKER != null;
    }

    /** The foreign API in use: {@code java.lang.foreign} (JDK 22+), {@code jdk.incubator.foreign} (JDK 17), or empty. */
    public static String api() {
        return API;
    }

    /** Why it cannot (empty when it can). */
    public static String unavailableReason() {
        return REASON;
    }

    /** The address of a direct buffer's first byte. */
    public static long addressOf(ByteBuffer direct) {
        try {
            return (long) ADDRESS_OF.invokeExact(direct);
        } catch (Throwable e) {
            throw new IllegalStateException("address of a direct buffer", e);
        }
    }

    /** The C {@code int} at a native address (an {@code int *} a C function returned). */
    public static int readInt(long address) {
        try {
            return (int) GET_INT.invokeExact(address);
        } catch (Throwable e) {
            throw new IllegalStateException("reading native memory", e);
        }
    }

    /** The NUL-terminated bytes at a native address (a {@code char *} a C function returned), at most 4 KiB. */
    public static byte[] readCString(long address) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            for (int i = 0; i < 4096; i++) {
                byte b = (byte) GET_BYTE.invokeExact(address + i);
                if (b == 0) {
                    break;
                }
                out.write(b);
            }
        } catch (Throwable e) {
            throw new IllegalStateException("reading native memory", e);
        }
        return out.toByteArray();
    }

    /**
     * A handle for a C function of the C library (libc and what the JVM has loaded) or of a library
     * loaded with {@link System#load} ({@code loaded} true), or empty when the symbol is not there.
     * Its Java type: {@code ret} and {@code args} as {@code int} or {@code long} ({@code POINTER}
     * as a {@code long} address); {@code ret} null for {@code void}.
     */
    public static Optional<MethodHandle> link(String symbol, boolean loaded, C ret, C... args) {
        if (!available()) {
            return Optional.empty();
        }
        try {
            Optional<?> sym = (Optional<?>) LOOKUP.invoke(loaded ? LOADER_LOOKUP : SYSTEM_LOOKUP, symbol);
            if (sym.isEmpty()) {
                return Optional.empty();
            }
            Object argLayouts = Array.newInstance(LAYOUT, args.length);
            Class<?>[] argTypes = new Class<?>[args.length];
            for (int i = 0; i < args.length; i++) {
                Array.set(argLayouts, i, LAYOUTS[args[i].ordinal()]);
                argTypes[i] = carrier(args[i]);
            }
            Object fd = ret == null ? FD_OF_VOID.invoke(null, argLayouts)
                    : FD_OF.invoke(null, LAYOUTS[ret.ordinal()], argLayouts);
            MethodType type = MethodType.methodType(ret == null ? void.class : carrier(ret), argTypes);
            MethodHandle h = API.equals("java.lang.foreign")
                    ? (MethodHandle) DOWNCALL.invoke(LINKER, sym.get(), fd, Array.newInstance(DOWNCALL.getParameterTypes()[2].getComponentType(), 0))
                    : (MethodHandle) DOWNCALL.invoke(LINKER, sym.get(), type, fd);
            for (int i = 0; i < args.length; i++) {
                if (args[i] == C.POINTER) {
                    h = MethodHandles.filterArguments(h, i, OF_LONG);
                }
            }
            if (ret == C.POINTER) {
                h = MethodHandles.filterReturnValue(h, TO_LONG);
            }
            return Optional.of(h);
        } catch (Throwable e) {
            return Optional.empty();
        }
    }

    private static Class<?> carrier(C c) {
        return switch (c) {
            case INT -> int.class;
            case LONG -> long.class;
            case POINTER -> MEMORY_ADDRESS;
        };
    }
}
