package dev.dockfsck.repair.live;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * A fingerprint of dockerd's last start on a data root, read without writing: files every dockerd
 * 20.10 start recreates or rewrites and that repair never touches ({@code volumes/backingFsBlockDev}
 * is made anew by the volume service, {@code buildkit/cache.db} and
 * {@code network/files/local-kv.db} are opened for write). Observed on dockerd 20.10.24. When the
 * stamp of an interrupted repair's journal differs from the root's, dockerd has run in between
 * and the journaled plan is stale.
 */
public final class EngineStamp {
    static final List<String> FILES = List.of("volumes/backingFsBlockDev", "buildkit/cache.db",
            "network/files/local-kv.db");

    private EngineStamp() {
    }

    public static String of(Path root) {
        StringBuilder b = new StringBuilder();
        for (String f : FILES) {
            b.append(f).append('=');
            try {
                BasicFileAttributes a = Files.readAttributes(root.resolve(f), BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS);
                b.append(a.fileKey()).append('@').append(a.lastModifiedTime().toMillis());
            } catch (NoSuchFileException e) {
                b.append("missing");
            } catch (IOException | UnsupportedOperationException e) {
                b.append("unreadable");
            }
            b.append('\n');
        }
        return b.toString();
    }
}
