package dev.dockfsck.cli;

/** An operational error to print as one clear line and exit 8, never as a stack trace. */
public class OperationalException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OperationalException(String message) {
        super(message);
    }

    public OperationalException(String message, Throwable cause) {
        super(message, cause);
    }
}
