package dev.dockfsck.cli;

/** Exit codes, as e2fsck's: they add up where several apply. */
public final class ExitCodes {
    /** No problem found (info findings only). */
    public static final int CLEAN = 0;
    /** Errors were found and corrected (repair). */
    public static final int CORRECTED = 1;
    /** Errors or warnings found and left uncorrected. */
    public static final int ERRORS_LEFT = 4;
    /** Operational error: the root cannot be examined, a live dockerd, I/O failure. */
    public static final int OPERATIONAL = 8;
    /** Usage or syntax error. */
    public static final int USAGE = 16;

    private ExitCodes() {
    }
}
