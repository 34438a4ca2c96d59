package dev.dockfsck.faults.catalogue;

/** What part of a data root a fault hits (issue 13, item 1). */
public enum TargetClass {
    LAYERDB_FILE, OVERLAY2, LAYER_CONTENT, IMAGE_CONFIG, REPOSITORIES_JSON, CONTAINER_METADATA, LEFTOVER;

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
