package dev.dockfsck.model.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.dockfsck.model.Defect;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.fs.FileKind;
import dev.dockfsck.model.fs.StoreFiles;
import dev.dockfsck.model.layer.Layer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DataRootReaderTest {
    private FileSystem fs;
    private Path root;

    @BeforeEach
    void setUp() throws Exception {
        fs = Jimfs.newFileSystem(Configuration.unix());
        root = fs.getPath("/var/lib/docker");
        Files.createDirectories(root.resolve("image/overlay2/layerdb/sha256"));
        Files.createDirectories(root.resolve("overlay2/l"));
    }

    @AfterEach
    void tearDown() throws Exception {
        fs.close();
    }

    private static String hex(String seed) {
        return Digest.sha256Of(seed.getBytes(StandardCharsets.UTF_8)).hex();
    }

    @Test
    void missingRootIsAnOperationalError() {
        StoreException e = assertThrows(StoreException.class, () -> DataRootReader.read(fs.getPath("/nope")));
        assertTrue(e.getMessage().contains("/nope"), e.getMessage());
    }

    @Test
    void aDirectoryWithoutImageIsNotADockerRoot() throws Exception {
        Path other = fs.getPath("/home/user");
        Files.createDirectories(other);
        StoreException e = assertThrows(StoreException.class, () -> DataRootReader.read(other));
        assertTrue(e.getMessage().contains("not a Docker data root"), e.getMessage());
    }

    @Test
    void otherGraphDriversAreNamedAsUnsupported() throws Exception {
        Path aufs = fs.getPath("/old");
        Files.createDirectories(aufs.resolve("image/aufs"));
        StoreException e = assertThrows(StoreException.class, () -> DataRootReader.read(aufs));
        assertTrue(e.getMessage().contains("aufs") && e.getMessage().contains("not supported"), e.getMessage());
    }

    @Test
    void layerFilesBecomeTypedDefects() throws Exception {
        String id = hex("layer");
        Path dir = Files.createDirectories(root.resolve("image/overlay2/layerdb/sha256").resolve(id));
        Files.writeString(dir.resolve("diff"), "sha256:" + id);
        Files.writeString(dir.resolve("size"), "12x");
        Files.writeString(dir.resolve("cache-id"), "");
        Files.createSymbolicLink(dir.resolve("tar-split.json.gz"), fs.getPath("/etc/shadow"));
        DataRoot store = DataRootReader.read(root);
        Layer l = store.layerDb().layer(Digest.ofHex(id)).orElseThrow();
        assertEquals(Digest.ofHex(id), l.diffId().optional().orElseThrow());
        assertEquals(Defect.Kind.MALFORMED, l.size().failure().orElseThrow().kind());
        assertEquals(Defect.Kind.EMPTY, l.cacheId().failure().orElseThrow().kind());
        assertTrue(l.isBase());
        assertEquals(FileKind.SYMLINK, l.tarSplit());
    }

    @Test
    void symlinksAreNeverFollowed() throws Exception {
        Path outside = Files.createDirectories(fs.getPath("/outside"));
        Files.writeString(outside.resolve("cache-id"), hex("x"));
        String id = hex("evil");
        Files.createSymbolicLink(root.resolve("image/overlay2/layerdb/sha256").resolve(id), outside);
        Path real = Files.createDirectories(root.resolve("image/overlay2/layerdb/sha256").resolve(hex("real")));
        Files.createSymbolicLink(real.resolve("cache-id"), outside.resolve("cache-id"));
        DataRoot store = DataRootReader.read(root);
        assertFalse(store.layerDb().layers().containsKey(Digest.ofHex(id)), "a symlinked layer dir is not a layer");
        assertTrue(store.layerDb().strays().stream().anyMatch(s -> s.defect().kind() == Defect.Kind.SYMLINK));
        Layer l = store.layerDb().layer(Digest.ofHex(hex("real"))).orElseThrow();
        assertEquals(Defect.Kind.SYMLINK, l.cacheId().failure().orElseThrow().kind());
    }

    /** As Go's encoding/json decodes into dockerd's struct: keys without regard to case, in turn. */
    @Test
    void repositoriesKeyMatchesWithoutRegardToCaseAsDockerdReadsIt() throws Exception {
        Path p = root.resolve("image/overlay2/repositories.json");
        String img = "sha256:" + "a".repeat(64);
        Files.writeString(p, "{\"repositories\":{\"app\":{\"app:1\":\"" + img + "\"}}}");
        assertEquals(List.of("app:1"), DataRootReader.read(root).repositories().references().optional().orElseThrow()
                .stream().map(r -> r.ref()).toList());
        Files.writeString(p, "{\"Repositories\":{\"app\":{\"app:1\":\"" + img + "\"}},\"REPOSITORIES\":{\"app\":{\"app:2\":\""
                + img + "\"},\"web\":{\"web:1\":\"" + img + "\"}}}");
        assertEquals(List.of("app:2", "web:1"), DataRootReader.read(root).repositories().references().optional().orElseThrow()
                .stream().map(r -> r.ref()).toList(), "a repository named again replaces the earlier one");
        Files.writeString(p, "{\"Repositories\":{\"app\":{\"app:1\":\"" + img + "\"}},\"repositories\":null}");
        assertEquals(List.of(), DataRootReader.read(root).repositories().references().optional().orElseThrow());
    }

    @Test
    void truncatedJsonIsTruncated() throws Exception {
        Path p = root.resolve("image/overlay2/repositories.json");
        Files.writeString(p, "{\"Repositories\":{\"a\":{\"a:1\":\"sha256:");
        DataRoot store = DataRootReader.read(root);
        assertEquals(Defect.Kind.TRUNCATED, store.repositories().references().failure().orElseThrow().kind());
        Files.writeString(p, "");
        assertEquals(Defect.Kind.EMPTY, DataRootReader.read(root).repositories().references().failure().orElseThrow().kind());
        Files.writeString(p, "[]");
        assertEquals(Defect.Kind.MALFORMED, DataRootReader.read(root).repositories().references().failure().orElseThrow().kind());
        Files.delete(p);
        assertTrue(DataRootReader.read(root).repositories().references().isMissing());
    }

    @Test
    void imageConfigMustHashToItsName() throws Exception {
        byte[] cfg = "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".getBytes(StandardCharsets.UTF_8);
        Path content = Files.createDirectories(root.resolve("image/overlay2/imagedb/content/sha256"));
        Digest good = Digest.sha256Of(cfg);
        Files.write(content.resolve(good.hex()), cfg);
        Files.write(content.resolve(hex("other")), cfg);
        DataRoot store = DataRootReader.read(root);
        assertTrue(store.imageDb().image(good).orElseThrow().config().isOk());
        assertEquals(Defect.Kind.DIGEST_MISMATCH,
                store.imageDb().image(Digest.ofHex(hex("other"))).orElseThrow().config().failure().orElseThrow().kind());
    }

    @Test
    void tooLargeFilesAreNotRead() throws Exception {
        Path p = root.resolve("big");
        Files.write(p, new byte[5000]);
        assertEquals(Defect.Kind.TOO_LARGE, StoreFiles.readLine(p).failure().orElseThrow().kind());
    }

    @Test
    void aWriteSetNamesTheDiffIdAndParentItGotAsFarAs() throws Exception {
        Path tmp = root.resolve("image/overlay2/layerdb/tmp");
        Digest diff = Digest.sha256Of(new byte[]{1});
        Files.createDirectories(tmp.resolve("write-set-1"));
        Files.writeString(tmp.resolve("write-set-1/diff"), diff.toString());
        Files.createDirectories(tmp.resolve("write-set-2"));
        Files.writeString(tmp.resolve("write-set-2/diff"), "garbage");
        Files.createSymbolicLink(tmp.resolve("write-set-3"), fs.getPath("/etc"));
        DataRoot r = DataRootReader.read(root);
        var sets = r.layerDb().writeSets().stream().sorted(java.util.Comparator.comparing(w -> w.name())).toList();
        assertEquals(3, sets.size());
        assertEquals(diff, sets.get(0).diffId().optional().orElseThrow());
        assertTrue(sets.get(0).parent().isMissing(), "parent not written (yet)");
        assertFalse(sets.get(1).diffId().isOk(), "a garbled diff is no diffID");
        assertFalse(sets.get(1).diffId().isMissing());
        assertTrue(sets.get(2).diffId().optional().isEmpty(), "a link is never read through");
    }

    @Test
    void anImportDirNamesTheConfigsOfTheArchiveBeingLoaded() throws Exception {
        Path imp = root.resolve("tmp/docker-import-77");
        String config = hex("config");
        String blob = hex("blob");
        Files.createDirectories(imp.resolve("blobs/sha256"));
        Files.writeString(imp.resolve(config + ".json"), "{");
        Files.writeString(imp.resolve("blobs/sha256/" + blob), "x");
        Files.writeString(imp.resolve("manifest.json"), "[]");
        String layer = hex("a layer");
        Files.writeString(imp.resolve(layer + ".tar"), "");
        Files.createDirectories(imp.resolve(hex("layer")));
        Files.writeString(imp.resolve(hex("layer")).resolve("layer.tar"), "");
        Files.createSymbolicLink(imp.resolve(hex("link") + ".json"), fs.getPath("/etc/passwd"));
        DataRoot r = DataRootReader.read(root);
        assertEquals(List.of(imp), r.importTmp());
        assertEquals(java.util.Set.of(Digest.ofHex(config), Digest.ofHex(blob), Digest.ofHex(layer)), ImportTmp.namedDigests(imp));
        assertEquals(java.util.Set.of(), ImportTmp.namedDigests(root.resolve("tmp/none")), "an unreadable dir names nothing");
    }
}
