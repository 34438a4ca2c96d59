package dev.dockfsck.model.appstore;

import java.io.IOException;

/**
 * A blob's bytes do not hash to its digest, or its length differs from its descriptor. Thrown by
 * the stream at the moment the mismatch is known (the last byte, or the first byte too many).
 */
public final class BlobVerificationException extends IOException {
    private final String location;
    private final String expected;
    private final String actual;

    public BlobVerificationException(String location, String what, String expected, String actual) {
        super(what + " of " + location + " is " + actual + ", expected " + expected);
        this.location = location;
        this.expected = expected;
        this.actual = actual;
    }

    /** The blob, relative to the store. */
    public String location() {
        return location;
    }

    public String expected() {
        return expected;
    }

    public String actual() {
        return actual;
    }
}
