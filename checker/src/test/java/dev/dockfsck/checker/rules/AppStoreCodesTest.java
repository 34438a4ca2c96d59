package dev.dockfsck.checker.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.Checker;
import dev.dockfsck.checker.ContentVerifier;
import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.store.DataRootReader;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code APPSTORE_*} code, produced by {@code check --app-store} from a reset-apps store
 * laid out as the OTA agent lays it out (OCI index per image, one shared blob dir), and none from
 * a healthy one. The subject is the store path; the images it keeps from being restored are in
 * the evidence.
 */
class AppStoreCodesTest {
    static final Set<FindingCode> APP_STORE_CODES = EnumSet.of(FindingCode.APPSTORE_UNREADABLE,
            FindingCode.APPSTORE_INDEX_INVALID, FindingCode.APPSTORE_BLOB_MISSING, FindingCode.APPSTORE_BLOB_CORRUPT,
            FindingCode.APPSTORE_REFUSED_PATH, FindingCode.APPSTORE_APP_MANIFEST_INVALID, FindingCode.APPSTORE_UNSUPPORTED);

    @TempDir
    Path tmp;
    Path engine;
    Path store;
    Path imageDir;
    Digest layerBlob;
    Digest manifest;

    @BeforeEach
    void setUp() throws Exception {
        engine = tmp.resolve("docker");
        StoreBuilder.create(engine, 3).load(SampleSet.image(SampleSet.B));
        store = tmp.resolve("reset-apps");
        writeApp("shop", "hub.example.io/apps/shop", "application/vnd.oci.image.layer.v1.tar+gzip");
    }

    private Digest blob(byte[] b) throws Exception {
        Digest d = Digest.sha256Of(b);
        Files.createDirectories(store.resolve("blobs/sha256"));
        Files.write(store.resolve("blobs/sha256").resolve(d.hex()), b);
        return d;
    }

    private void writeApp(String app, String repo, String layerType) throws Exception {
        byte[] tar = SampleSet.image(SampleSet.B).layers().get(2).tar();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (OutputStream z = new GZIPOutputStream(gz)) {
            z.write(tar);
        }
        byte[] layer = gz.toByteArray();
        layerBlob = blob(layer);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + Digest.sha256Of(tar) + "\"]}}").getBytes(StandardCharsets.UTF_8);
        Digest cfg = blob(config);
        byte[] man = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{"
                + "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + cfg + "\",\"size\":"
                + config.length + "},\"layers\":[{\"mediaType\":\"" + layerType + "\",\"digest\":\"" + layerBlob
                + "\",\"size\":" + layer.length + "}]}").getBytes(StandardCharsets.UTF_8);
        manifest = blob(man);
        byte[] appManifest = ("{\"name\":\"" + app + "\"}").getBytes(StandardCharsets.UTF_8);
        Path version = store.resolve("apps").resolve(app).resolve(Digest.sha256Of(appManifest).hex());
        imageDir = version.resolve("images").resolve(repo).resolve(manifest.hex());
        Files.createDirectories(imageDir);
        Files.write(version.resolve("manifest.json"), appManifest);
        Files.writeString(imageDir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(imageDir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + manifest + "\",\"size\":"
                + man.length + "}]}");
    }

    private Report check(Path appStore) throws Exception {
        try (AppStore s = AppStore.open(appStore)) {
            return new Checker(new dev.dockfsck.checker.TarSplitContentVerifier(engine)).check(DataRootReader.read(engine),
                    new Checker.Options(true, Optional.empty(), 1, ContentVerifier.Progress.NONE, Optional.of(s)));
        }
    }

    private List<Finding> appStoreFindings(Report r) {
        return r.findings().stream().filter(f -> APP_STORE_CODES.contains(f.code())).toList();
    }

    private void expect(FindingCode code, Consumer<Path> damage) throws Exception {
        damage.accept(store);
        List<Finding> fs = appStoreFindings(check(store));
        Set<FindingCode> codes = fs.stream().map(Finding::code).collect(Collectors.toSet());
        assertTrue(codes.contains(code), code + " expected, found " + fs);
        for (Finding f : fs) {
            assertEquals(Subject.Kind.PATH, f.subject().kind());
            assertTrue(f.subject().id().startsWith("appstore:"), f.subject().id());
            assertEquals(List.of(), f.affects(), "app-store damage breaks no image of the engine's store");
        }
    }

    private static void unchecked(ThrowingRunnable r) {
        try {
            r.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void aHealthyStoreGivesNoAppStoreFinding() throws Exception {
        Report r = check(store);
        assertEquals(List.of(), appStoreFindings(r));
        assertTrue(r.clean(), r.findings().toString());
    }

    @Test
    void unreadable() throws Exception {
        List<Finding> fs = appStoreFindings(check(tmp.resolve("no-such-store")));
        assertEquals(Set.of(FindingCode.APPSTORE_UNREADABLE), fs.stream().map(Finding::code).collect(Collectors.toSet()));
    }

    @Test
    void indexInvalid() throws Exception {
        expect(FindingCode.APPSTORE_INDEX_INVALID, s -> unchecked(() -> Files.writeString(imageDir.resolve("index.json"), "{\"schemaVer")));
    }

    @Test
    void blobMissing() throws Exception {
        expect(FindingCode.APPSTORE_BLOB_MISSING, s -> unchecked(() -> Files.delete(s.resolve("blobs/sha256").resolve(layerBlob.hex()))));
    }

    @Test
    void blobCorruptIsFoundWhenLayersAreVerified() throws Exception {
        expect(FindingCode.APPSTORE_BLOB_CORRUPT, s -> unchecked(() -> {
            Path b = s.resolve("blobs/sha256").resolve(layerBlob.hex());
            byte[] bytes = Files.readAllBytes(b);
            bytes[bytes.length / 2] ^= 1;
            Files.write(b, bytes);
        }));
    }

    @Test
    void refusedPath() throws Exception {
        expect(FindingCode.APPSTORE_REFUSED_PATH, s -> unchecked(() -> {
            Path b = s.resolve("blobs/sha256").resolve(layerBlob.hex());
            Path outside = tmp.resolve("elsewhere.bin");
            Files.move(b, outside);
            Files.createSymbolicLink(b, outside);
        }));
    }

    @Test
    void appManifestInvalid() throws Exception {
        expect(FindingCode.APPSTORE_APP_MANIFEST_INVALID, s -> unchecked(() ->
                Files.delete(imageDir.getParent().getParent().getParent().getParent().getParent().resolve("manifest.json"))));
    }

    @Test
    void unsupported() throws Exception {
        // a schema 1 manifest (what very old registries served): not restorable through the load API
        expect(FindingCode.APPSTORE_UNSUPPORTED, s -> unchecked(() -> {
            byte[] v1 = "{\"schemaVersion\":1,\"name\":\"apps/shop\",\"tag\":\"old\",\"fsLayers\":[]}"
                    .getBytes(StandardCharsets.UTF_8);
            Digest d = blob(v1);
            Path dir = Files.move(imageDir, imageDir.resolveSibling(d.hex()));
            Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                    + "\"application/vnd.docker.distribution.manifest.v1+json\",\"digest\":\"" + d + "\",\"size\":"
                    + v1.length + "}]}");
        }));
    }
}
