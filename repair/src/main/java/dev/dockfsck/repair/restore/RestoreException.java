package dev.dockfsck.repair.restore;

/**
 * A restore could not start at all: the engine is not reachable, or the app store is missing or
 * unreadable. The message is one clear line for a person (print it, not the stack trace).
 */
public final class RestoreException extends Exception {
    public RestoreException(String message) {
        super(message);
    }

    public RestoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
