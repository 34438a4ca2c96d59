package dev.dockfsck.checker;

/**
 * Counts for the end of a report. "Damaged" means at least one damaging finding on the object
 * itself or on something it stands on; bytes reclaimable is what removing leftovers would free.
 */
public record Summary(Counts images, Counts layers, Counts containers, long bytesReclaimable,
                      int errors, int warnings, int infos) {
    public record Counts(int checked, int healthy, int damaged) {
    }
}
