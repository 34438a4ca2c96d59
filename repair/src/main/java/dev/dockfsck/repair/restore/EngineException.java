package dev.dockfsck.repair.restore;

/** The engine could not be reached or refused a request; the message is for a person, as is. */
public final class EngineException extends Exception {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
