package dev.dockfsck.model.store;

/**
 * The store cannot be examined at all: the root is unreadable, is not a Docker data root, or
 * uses a graph driver dockfsck does not support. An operational error, not a finding.
 */
public class StoreException extends Exception {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }
}
