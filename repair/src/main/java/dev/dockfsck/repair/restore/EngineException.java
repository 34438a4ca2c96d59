package dev.dockfsck.repair.restore;

/** The engine could not be reached or refused a request; the message is for a person, as is. */
public final class EngineException extends Exception {
    private final boolean unreachable;

    public EngineException(String message) {
        this(message, null, false);
    }

    public EngineException(String message, Throwable cause) {
        this(message, cause, false);
    }

    /**
     * @param unreachable the engine could not be talked to at all (socket missing, connection
     *                    refused or broken), as opposed to answering with an error
     */
    public EngineException(String message, Throwable cause, boolean unreachable) {
        super(message, cause);
        this.unreachable = unreachable;
    }

    /** True when the engine could not be talked to (rather than answering with an error). */
    public boolean unreachable() {
        return unreachable;
    }
}
