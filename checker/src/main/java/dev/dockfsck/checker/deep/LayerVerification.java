package dev.dockfsck.checker.deep;

import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.tarsplit.TarSplitException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What the deep verification of one layer found.
 *
 * @param job          the layer
 * @param outcome      the verdict
 * @param actualDigest the sha256 of the re-assembled tar; null when the tar-split could not be read to its end
 * @param damaged      damaged files in tar order (empty when VERIFIED; may be partial for a corrupt tar-split)
 * @param tarSplitError why the tar-split could not be read; null unless TAR_SPLIT_CORRUPT or TAR_SPLIT_MISSING
 * @param tarBytes     length of the re-assembled tar (as far as it got)
 * @param contentBytes bytes of file content read from diff/ (first pass)
 * @param entries      tar-split entries read
 * @param damagedEntries entries without content (directories, links, empty files, FIFOs) that diff/ lacks or
 *                     holds as another type, in tar order; the digest cannot see them (docker save takes their
 *                     headers from the tar-split)
 */
public record LayerVerification(LayerJob job, Outcome outcome, Digest actualDigest, List<DamagedFile> damaged,
                                TarSplitException tarSplitError, long tarBytes, long contentBytes, long entries,
                                List<DamagedFile> damagedEntries) {

    /** Largest number of damaged files listed in a finding's evidence (the count is always given). */
    public static final int MAX_EVIDENCE_FILES = 1000;

    public enum Outcome {
        /** The re-assembled tar hashes to the DiffID: every byte of the layer is as loaded. */
        VERIFIED,
        /** The digest differs: see {@link #damaged()}; when empty the damage is in the raw segments. */
        CONTENT_MISMATCH,
        /** The tar-split cannot be read to its end (cut, garbled): the content cannot be proven. */
        TAR_SPLIT_CORRUPT,
        /** The tar-split is missing, a symlink or not a regular file. */
        TAR_SPLIT_MISSING
    }

    public LayerVerification {
        damaged = List.copyOf(damaged);
        damagedEntries = List.copyOf(damagedEntries);
    }

    /** A verification that looked at no entry without content. */
    public LayerVerification(LayerJob job, Outcome outcome, Digest actualDigest, List<DamagedFile> damaged,
                             TarSplitException tarSplitError, long tarBytes, long contentBytes, long entries) {
        this(job, outcome, actualDigest, damaged, tarSplitError, tarBytes, contentBytes, entries, List.of());
    }

    public boolean verified() {
        return outcome == Outcome.VERIFIED;
    }

    /** The digest differs though every file matches its size and CRC-64: damage in the raw segments. */
    public boolean segmentDamage() {
        return outcome == Outcome.CONTENT_MISMATCH && damaged.isEmpty();
    }

    /**
     * The findings for this layer (none when VERIFIED), subject = the layer's chainID.
     * <ul>
     *   <li>CONTENT_MISMATCH: one {@link FindingCode#LAYER_CONTENT_MISMATCH}, path = diff dir; evidence
     *       {@code expected_diff_id, actual_digest, damaged_files: [{name, kind, expected_size, actual_size[, detail]}],
     *       damaged_files_total, segment_damage}</li>
     *   <li>TAR_SPLIT_CORRUPT: one {@link FindingCode#LAYER_TAR_SPLIT_CORRUPT}, path = the tar-split; evidence
     *       {@code error, entry, line, byte_offset, detail, expected_diff_id}</li>
     *   <li>TAR_SPLIT_MISSING: one {@link FindingCode#LAYER_TAR_SPLIT_MISSING} (the shallow check reports the same
     *       from the layer model: submit only layers whose tar-split is a regular file to avoid a duplicate)</li>
     * </ul>
     *
     * @param dataRoot the data root paths in findings are made relative to; null keeps them as given
     */
    public List<Finding> toFindings(Path dataRoot) {
        Subject subject = Subject.layer(job.chainId());
        List<Finding> out = new ArrayList<>(1);
        switch (outcome) {
            case VERIFIED:
                break;
            case CONTENT_MISMATCH: {
                Map<String, Object> ev = new LinkedHashMap<>();
                ev.put("expected_diff_id", job.diffId().toString());
                ev.put("actual_digest", actualDigest == null ? "" : actualDigest.toString());
                ev.put("damaged_files", damaged.stream().limit(MAX_EVIDENCE_FILES).map(DamagedFile::toEvidence)
                        .collect(Collectors.toList()));
                ev.put("damaged_files_total", damaged.size());
                ev.put("segment_damage", damaged.isEmpty());
                out.add(Finding.of(FindingCode.LAYER_CONTENT_MISMATCH, subject, rel(dataRoot, job.diffDir()),
                        contentMessage(), ev));
                break;
            }
            case TAR_SPLIT_CORRUPT:
            case TAR_SPLIT_MISSING: {
                Map<String, Object> ev = new LinkedHashMap<>();
                ev.put("expected_diff_id", job.diffId().toString());
                if (tarSplitError != null) {
                    ev.put("error", tarSplitError.kind().label());
                    ev.put("entry", tarSplitError.entryIndex());
                    ev.put("line", tarSplitError.line());
                    ev.put("byte_offset", tarSplitError.byteOffset());
                    ev.put("detail", tarSplitError.detail());
                }
                ev.put("entries_read", entries);
                FindingCode code = outcome == Outcome.TAR_SPLIT_MISSING
                        ? FindingCode.LAYER_TAR_SPLIT_MISSING : FindingCode.LAYER_TAR_SPLIT_CORRUPT;
                String msg = outcome == Outcome.TAR_SPLIT_MISSING
                        ? "the layer's tar-split.json.gz cannot be opened: " + (tarSplitError == null ? "" : tarSplitError.detail())
                        : "the layer's tar-split.json.gz is damaged (" + (tarSplitError == null ? "?" : tarSplitError.getMessage())
                                + "): its content cannot be re-assembled or proven";
                out.add(Finding.of(code, subject, rel(dataRoot, job.tarSplit()), msg, ev));
                break;
            }
            default:
                throw new IllegalStateException(String.valueOf(outcome));
        }
        if (!damagedEntries.isEmpty() && (outcome == Outcome.VERIFIED || outcome == Outcome.CONTENT_MISMATCH)) {
            Map<String, Object> ev = new LinkedHashMap<>();
            ev.put("damaged_entries", damagedEntries.stream().limit(MAX_EVIDENCE_FILES).map(DamagedFile::toEntryEvidence)
                    .collect(Collectors.toList()));
            ev.put("damaged_entries_total", damagedEntries.size());
            String first = damagedEntries.stream().limit(3).map(DamagedFile::toEntryString).collect(Collectors.joining("; "));
            out.add(Finding.of(FindingCode.LAYER_ENTRY_MISMATCH, subject, rel(dataRoot, job.diffDir()),
                    damagedEntries.size() + " entr" + (damagedEntries.size() == 1 ? "y" : "ies") + " of diff/ "
                            + (damagedEntries.size() == 1 ? "differs" : "differ") + " from the layer's tar headers "
                            + "(missing, of another type, or mode, owner, link target, device or xattrs): " + first
                            + (damagedEntries.size() > 3 ? "; ..." : ""), ev));
        }
        return out;
    }

    private String contentMessage() {
        if (damaged.isEmpty()) {
            return "the layer's re-assembled tar does not hash to its DiffID, yet every file matches its recorded size "
                    + "and CRC-64: the damage is in the tar-split's raw segments (headers, padding) or its entry list";
        }
        String first = damaged.stream().limit(3).map(DamagedFile::toString).collect(Collectors.joining("; "));
        return damaged.size() + " damaged file" + (damaged.size() == 1 ? "" : "s") + " in the layer: " + first
                + (damaged.size() > 3 ? "; ..." : "");
    }

    private static String rel(Path root, Path p) {
        if (root != null) {
            try {
                Path a = root.toAbsolutePath().normalize();
                Path b = p.toAbsolutePath().normalize();
                if (b.startsWith(a)) {
                    return a.relativize(b).toString();
                }
            } catch (RuntimeException e) {
                // keep it whole
            }
        }
        return p.toString();
    }
}
