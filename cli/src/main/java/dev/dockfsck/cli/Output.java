package dev.dockfsck.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** UTF-8 stdout/stderr whatever the platform encoding (store names are bytes; messages quote them). */
final class Output {
    private static volatile PrintStream out;
    private static volatile PrintStream err;

    private Output() {
    }

    static PrintStream stdout() {
        PrintStream o = out;
        return o != null ? o : new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    }

    static PrintStream stderr() {
        PrintStream e = err;
        return e != null ? e : new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    }

    /** For in-process callers (tests): send command output to these streams; null restores the console. */
    static void redirect(PrintStream newOut, PrintStream newErr) {
        out = newOut;
        err = newErr;
    }
}
