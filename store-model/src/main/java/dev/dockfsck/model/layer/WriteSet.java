package dev.dockfsck.model.layer;

import dev.dockfsck.model.Defect;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.Parsed;
import java.nio.file.Path;

/**
 * {@code layerdb/tmp/write-set-<digits>/}: a layer registration that was never committed
 * (renamed into {@code layerdb/sha256/}). dockerd never removes these. dockerd's
 * {@code storeLayer} writes {@code diff} first and {@code parent} last, so a write-set cut off in
 * between names its diffID and no parent although the layer has one.
 *
 * @param name   the directory's name
 * @param dir    the directory
 * @param diffId its {@code diff} file, when written
 * @param parent its {@code parent} file, when written
 */
public record WriteSet(String name, Path dir, Parsed<Digest> diffId, Parsed<Digest> parent) {
    /** A write-set whose files are not read (not a real directory). */
    public WriteSet(String name, Path dir) {
        this(name, dir, unread(dir.resolve(Layer.DIFF)), unread(dir.resolve(Layer.PARENT)));
    }

    private static Parsed<Digest> unread(Path p) {
        return Parsed.bad(new Defect(Defect.Kind.MISSING, p, "not read: the write-set is not a directory"));
    }
}
