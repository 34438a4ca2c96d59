package dev.dockfsck.checker;

/** How bad a finding is. Errors and warnings make {@code check} exit 4; info alone exits 0. */
public enum Severity {
    ERROR, WARNING, INFO;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
