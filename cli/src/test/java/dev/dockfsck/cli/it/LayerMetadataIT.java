package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dockfsck.cli.ExitCodes;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.model.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the layer digest cannot see, under the real dockerd: an image with a setuid program, a file
 * owned by another user and a file with an extended attribute (a PAX SCHILY.xattr record) loaded
 * with docker load; {@code check --deep} through the launcher (the libc binding reads xattrs)
 * finds nothing on the store as dockerd extracted it, and names each file whose mode, owner or
 * xattr was then changed on disk while its content stayed intact.
 */
class LayerMetadataIT {
    @TempDir
    Path tmp;

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void modeOwnerAndXattrChangedOnDiskAreFoundByTheDeepCheck() throws Exception {
        Dockerd.assumeAvailable();
        assumeTrue("root".equals(System.getProperty("user.name")), "dockerd extracts owners as root");
        assumeTrue(Files.isRegularFile(LauncherIT.REPO.resolve("cli/target/dockfsck.jar")), "needs the packaged jar");
        byte[] layer = layerTar();
        Digest diffId = Digest.sha256Of(layer);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/tool\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
        Digest imageId = Digest.sha256Of(config);
        Path archive = tmp.resolve("meta.tar");
        try (OutputStream os = Files.newOutputStream(archive); TarArchiveOutputStream t = new TarArchiveOutputStream(os)) {
            add(t, "manifest.json", ("[{\"Config\":\"" + imageId.hex() + ".json\",\"RepoTags\":[\"dockfsck/meta:1\"],"
                    + "\"Layers\":[\"layer.tar\"]}]").getBytes(StandardCharsets.UTF_8));
            add(t, imageId.hex() + ".json", config);
            add(t, "layer.tar", layer);
        }
        Path root = tmp.resolve("root");
        try (Dockerd d = Dockerd.start(tmp.resolve("d"), root)) {
            d.load(archive);
        }
        Path layerDb = root.resolve("image/overlay2/layerdb/sha256").resolve(diffId.hex());
        Path diff = root.resolve("overlay2").resolve(Files.readString(layerDb.resolve("cache-id")).strip()).resolve("diff");
        // what dockerd made of the headers
        assertEquals(04755, mode(diff.resolve("bin/tool")));
        assertEquals(1000, Files.getAttribute(diff.resolve("etc/owned"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals("hello", xattr(diff.resolve("etc/note"), "note"));

        LauncherIT.Run clean = LauncherIT.launch(LauncherIT.REPO.resolve("dockfsck"), Map.of(),
                "check", "--deep", "--root", root.toString(), "--format", "json");
        assertEquals(ExitCodes.CLEAN, clean.exit(), clean.out() + clean.err());
        assertEquals(0, JSON.readTree(clean.out()).path("findings").size(), clean.out());

        Files.setPosixFilePermissions(diff.resolve("bin/tool"), PosixFilePermissions.fromString("rwxr-xr-x")); // setuid lost
        Files.setAttribute(diff.resolve("etc/owned"), "unix:uid", 0, LinkOption.NOFOLLOW_LINKS);
        Files.getFileAttributeView(diff.resolve("etc/note"), UserDefinedFileAttributeView.class)
                .write("note", ByteBuffer.wrap("bye".getBytes(StandardCharsets.UTF_8)));

        LauncherIT.Run damaged = LauncherIT.launch(LauncherIT.REPO.resolve("dockfsck"), Map.of(),
                "check", "--deep", "--root", root.toString(), "--format", "json");
        assertEquals(ExitCodes.ERRORS_LEFT, damaged.exit(), damaged.out() + damaged.err());
        JsonNode findings = JSON.readTree(damaged.out()).path("findings");
        List<String> got = new ArrayList<>();
        JsonNode entryFinding = null;
        for (JsonNode f : findings) {
            if (f.path("code").asText().equals("LAYER_ENTRY_MISMATCH") && f.path("subject").toString().contains(diffId.hex())) {
                entryFinding = f;
                for (JsonNode e : f.path("evidence").path("damaged_entries")) {
                    got.add(e.path("name").asText() + " " + e.path("kind").asText() + " " + e.path("field").asText()
                            + " " + e.path("xattr").asText("") + " " + e.path("expected_value").asText() + " " + e.path("actual_value").asText());
                }
            }
        }
        assertEquals(List.of("bin/tool metadata mode  4755 0755", "etc/note metadata xattr user.note aGVsbG8= Ynll",
                "etc/owned metadata uid  1000 0"), got, damaged.out());
        assertTrue(entryFinding.path("message").asText().contains("bin/tool"), entryFinding.toString());
        assertEquals("diff", Path.of(entryFinding.path("path").asText()).getFileName().toString());
    }

    /** The layer as a Go or GNU tar writes it: directories, a setuid file, an owned file, a file with a PAX xattr, a symlink. */
    static byte[] layerTar() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            dir(t, "bin/");
            file(t, "bin/tool", "#!/bin/sh\necho tool\n", 04755, 0, 0, null);
            TarArchiveEntry l = new TarArchiveEntry("bin/link", TarArchiveEntry.LF_SYMLINK);
            l.setLinkName("tool");
            l.setModTime(1_700_000_000_000L);
            t.putArchiveEntry(l);
            t.closeArchiveEntry();
            dir(t, "etc/");
            file(t, "etc/note", "a note\n", 0644, 0, 0, "hello");
            file(t, "etc/owned", "owned\n", 0640, 1000, 1000, null);
        }
        return out.toByteArray();
    }

    private static void dir(TarArchiveOutputStream t, String name) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(040755);
        e.setModTime(1_700_000_000_000L);
        t.putArchiveEntry(e);
        t.closeArchiveEntry();
    }

    private static void file(TarArchiveOutputStream t, String name, String content, int mode, int uid, int gid, String note)
            throws IOException {
        byte[] b = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(0100000 | mode);
        e.setIds(uid, gid);
        e.setSize(b.length);
        e.setModTime(1_700_000_000_000L);
        if (note != null) {
            e.addPaxHeader("SCHILY.xattr.user.note", note);
        }
        t.putArchiveEntry(e);
        t.write(b);
        t.closeArchiveEntry();
    }

    private static void add(TarArchiveOutputStream t, String name, byte[] b) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(b.length);
        t.putArchiveEntry(e);
        t.write(b);
        t.closeArchiveEntry();
    }

    private static int mode(Path p) throws IOException {
        return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 07777;
    }

    private static String xattr(Path p, String name) throws IOException {
        UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
        ByteBuffer b = ByteBuffer.allocate(v.size(name));
        v.read(name, b);
        return new String(b.array(), StandardCharsets.UTF_8);
    }
}
