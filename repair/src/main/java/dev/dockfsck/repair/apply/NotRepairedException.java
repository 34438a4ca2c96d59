package dev.dockfsck.repair.apply;

import java.io.IOException;

/**
 * A heal action that could not prove its result (a source that does not hash to its digest, a
 * rebuilt tar-split that does not re-assemble with {@code diff/}) and so put nothing in place: the
 * store is as it was for what this action touches. The repair goes on with the other actions;
 * the re-check still names the damage (exit 4), and the next repair plans afresh.
 */
public final class NotRepairedException extends IOException {
    private static final long serialVersionUID = 1L;

    public NotRepairedException(String message, Throwable cause) {
        super(message, cause);
    }
}
