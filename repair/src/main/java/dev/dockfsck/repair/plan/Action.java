package dev.dockfsck.repair.plan;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.dockfsck.repair.apply.ApplyContext;
import java.io.IOException;
import java.util.List;

/**
 * One step of a repair plan. Every action is idempotent (doing it again after a crash, half
 * done or not, ends in the same state), names its reasons (the findings that call for it), and
 * writes only through {@link dev.dockfsck.repair.apply.RootedFs}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = WriteFile.class, name = "write-file"),
        @JsonSubTypes.Type(value = Symlink.class, name = "symlink"),
        @JsonSubTypes.Type(value = RemoveLayer.class, name = "remove-layer"),
        @JsonSubTypes.Type(value = RemovePath.class, name = "remove-path"),
        @JsonSubTypes.Type(value = RemoveContainer.class, name = "remove-container"),
        @JsonSubTypes.Type(value = RecordPendingRestore.class, name = "record-pending-restore"),
        @JsonSubTypes.Type(value = HealLayerFiles.class, name = "heal-layer-files"),
        @JsonSubTypes.Type(value = RecreateEntries.class, name = "recreate-entries"),
        @JsonSubTypes.Type(value = ExtractLayer.class, name = "extract-layer"),
        @JsonSubTypes.Type(value = RestoreEntryMetadata.class, name = "restore-entry-metadata"),
        @JsonSubTypes.Type(value = RebuildTarSplit.class, name = "rebuild-tar-split"),
        @JsonSubTypes.Type(value = WriteImageConfig.class, name = "write-image-config")})
public sealed interface Action permits WriteFile, Symlink, RemoveLayer, RemovePath, RemoveContainer, RecordPendingRestore,
        HealLayerFiles, RecreateEntries, ExtractLayer, RestoreEntryMetadata, RebuildTarSplit, WriteImageConfig {
    /** One line for a person: what this does. */
    String describe();

    /** Why: finding codes and subjects, e.g. {@code LAYER_FILE_INVALID layer sha256:...}. */
    List<String> reasons();

    /** Does it (again); returns the bytes it freed. */
    long apply(ApplyContext ctx) throws IOException;
}
