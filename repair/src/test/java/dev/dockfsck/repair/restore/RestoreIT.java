package dev.dockfsck.repair.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.image.BuiltImage;
import dev.dockfsck.fixtures.image.BuiltLayer;
import dev.dockfsck.fixtures.image.DockerArchive;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.AppStoreFinding;
import dev.dockfsck.model.appstore.StoreImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Against a real skopeo and a real, private dockerd 20.10 (test-fixtures' {@link Dockerd}): a reset-apps store written by
 * {@code skopeo copy --dest-shared-blob-dir}, three apps sharing the busybox base layer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RestoreIT {
    static final Path SKOPEO = Path.of("/usr/bin/skopeo");
    static final String HOST_REPO = "hub.example.com/factory/";

    Path work;
    Path store;
    Dockerd dockerd;
    DockerEngine engine;
    /** sample image -> its store name (host/repo:7hex). */
    final Map<BuiltImage, String> names = new LinkedHashMap<>();
    final Map<BuiltImage, String> apps = new LinkedHashMap<>();
    /** sample image -> the image ID of the config skopeo stored. */
    final Map<BuiltImage, String> storeIds = new LinkedHashMap<>();

    @BeforeAll
    void setUp() throws Exception {
        Dockerd.assumeAvailable();
        assumeTrue(Files.isExecutable(SKOPEO) && SampleSet.runnable(), "needs skopeo and busybox");
        work = Files.createTempDirectory(Path.of("/tmp"), "dfk-it");
        store = work.resolve("reset-apps");
        Files.createDirectories(store.resolve("blobs"));
        String[] appNames = {"shop", "tools", "kiosk"};
        int i = 0;
        for (BuiltImage img : SampleSet.images()) {
            Path archive = work.resolve("img" + i + ".tar");
            DockerArchive.write(List.of(img), archive);
            String repo = img.repoTags().get(0).replaceAll("^dockfsck/|:.*$", "");
            names.put(img, skopeoIntoResetApps(store, appNames[i], HOST_REPO + repo, archive));
            apps.put(img, appNames[i]);
            i++;
        }
        try (AppStore s = AppStore.open(store)) {
            for (Map.Entry<BuiltImage, String> e : names.entrySet()) {
                storeIds.put(e.getKey(), s.find(e.getValue()).get(0).imageId().toString());
            }
        }
        dockerd = Dockerd.start(work.resolve("engine"));
        engine = DockerEngine.connect(dockerd.host());
    }

    @AfterAll
    void tearDown() throws Exception {
        if (engine != null) {
            engine.close();
        }
        if (dockerd != null) {
            dockerd.stop();
        }
        if (work != null) {
            new ProcessBuilder("rm", "-rf", work.toString()).start().waitFor(60, TimeUnit.SECONDS);
        }
    }

    static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    /** What the OTA agent does: skopeo into images/<host>/<repo>/<manifest hex>, blobs shared. */
    static String skopeoIntoResetApps(Path store, String app, String hostRepo, Path archive) throws Exception {
        byte[] appManifest = ("{\"name\":\"" + app + "\"}").getBytes(StandardCharsets.UTF_8);
        Path version = store.resolve("apps").resolve(app).resolve(Digest.sha256Of(appManifest).hex());
        Files.createDirectories(version.resolve("images").resolve(hostRepo));
        Files.write(version.resolve("manifest.json"), appManifest);
        Path tmp = version.resolve("images").resolve(hostRepo).resolve("incoming");
        run(List.of(SKOPEO.toString(), "--insecure-policy", "copy", "--quiet", "--dest-shared-blob-dir",
                store.resolve("blobs").toString(), "docker-archive:" + archive, "oci:" + tmp));
        String index = Files.readString(tmp.resolve("index.json"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"digest\":\"sha256:([0-9a-f]{64})\"").matcher(index);
        assertTrue(m.find(), index);
        Files.move(tmp, tmp.resolveSibling(m.group(1)));
        return hostRepo + ":" + m.group(1).substring(0, 7);
    }

    /** sha256 of a file as the image shows it: the topmost layer that has it. */
    static String expectedSha(BuiltImage img, String path) throws IOException {
        List<BuiltLayer> layers = new ArrayList<>(img.layers());
        java.util.Collections.reverse(layers);
        for (BuiltLayer l : layers) {
            try (TarArchiveInputStream t = new TarArchiveInputStream(new ByteArrayInputStream(l.tar()))) {
                TarArchiveEntry e;
                while ((e = t.getNextEntry()) != null) {
                    if (e.getName().equals(path) && e.isFile()) {
                        return Digest.sha256Of(t.readAllBytes()).hex();
                    }
                }
            }
        }
        throw new AssertionError(path + " not in " + img.repoTags());
    }

    static List<String> filesOf(BuiltImage img) {
        String t = img.repoTags().get(0);
        if (t.equals(SampleSet.A)) {
            return List.of("/etc/passwd", "/bin/busybox", "/etc/app.conf", "/opt/app/big.bin", "/var/cache/new.bin");
        }
        if (t.equals(SampleSet.B)) {
            return List.of("/etc/passwd", "/bin/busybox", "/srv/index.html");
        }
        return List.of("/etc/passwd", "/bin/busybox", "/opt/app/big.bin", "/data/c.txt");
    }

    void removeAllImages() throws Exception {
        String ids = dockerd.dockerOk("images", "-aq", "--no-trunc").strip();
        if (!ids.isEmpty()) {
            List<String> cmd = new ArrayList<>(List.of("rmi", "-f"));
            cmd.addAll(new HashSet<>(List.of(ids.split("\\s+"))));
            dockerd.dockerOk(cmd.toArray(String[]::new));
        }
        assertEquals("", dockerd.dockerOk("images", "-aq").strip());
    }

    /** The DiffIDs of every layer dockerd has registered, read from its layerdb. */
    Set<String> registeredDiffIds() throws IOException {
        Set<String> out = new HashSet<>();
        Path db = dockerd.dataRoot().resolve("image/overlay2/layerdb/sha256");
        if (!Files.isDirectory(db)) {
            return out;
        }
        try (Stream<Path> s = Files.list(db)) {
            for (Path p : s.toList()) {
                Path diff = p.resolve("diff");
                if (Files.exists(diff)) {
                    out.add(Files.readString(diff).strip());
                }
            }
        }
        return out;
    }

    /** A point in time (whole seconds, as docker events takes it) after every event so far. */
    static long eventMark() throws InterruptedException {
        Thread.sleep(1100);
        return System.currentTimeMillis() / 1000;
    }

    List<String> imageLoadEvents(long since) throws Exception {
        Thread.sleep(1100);
        long until = System.currentTimeMillis() / 1000 + 1;
        String out = dockerd.dockerOk("events", "--since", Long.toString(since), "--until", Long.toString(until),
                "--filter", "type=image", "--filter", "event=load", "--format", "{{.Actor.ID}}");
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    static RestoreResult resultFor(List<RestoreResult> rs, String name) {
        return rs.stream().filter(r -> r.tags().contains(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no result for " + name + " in " + rs));
    }

    static Path copyStore(Path from, Path to) throws Exception {
        run(List.of("cp", "-a", from.toString(), to.toString()));
        return to;
    }

    static Path blobOf(AppStore s, String name, int layer) {
        StoreImage i = s.find(name).get(0);
        return s.root().resolve(s.pathOf(i.layers().get(layer).blob()));
    }

    static void flipByte(Path blob, long at) throws IOException {
        byte[] b = Files.readAllBytes(blob);
        int pos = (int) (at < 0 ? b.length / 2 : at);
        b[pos] ^= 0x01;
        Files.write(blob, b);
    }

    // ------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void theSkopeoStoreIsReadAsThreeAppsSharingABaseLayer() {
        AppStore s = AppStore.open(store);
        assertTrue(s.findings().isEmpty(), s.findings()::toString);
        assertEquals(3, s.images().size());
        assertEquals(Set.of("shop", "tools", "kiosk"), Set.copyOf(s.apps()));
        for (Map.Entry<BuiltImage, String> e : names.entrySet()) {
            StoreImage i = s.find(e.getValue()).get(0);
            // skopeo rewrites the config (docker -> OCI), so the ID is that of the stored config;
            // the layers are the very same
            assertEquals(Digest.sha256Of(i.configBytes()), i.imageId());
            assertEquals(e.getKey().diffIds(), i.diffIds());
            assertEquals(apps.get(e.getKey()), i.app());
        }
        // the busybox base is one blob for all three
        Set<String> baseBlobs = new HashSet<>();
        s.images().forEach(i -> baseBlobs.add(i.layers().get(0).blob().location()));
        assertEquals(1, baseBlobs.size());
        assertTrue(s.verifyLayers(null).isEmpty());
    }

    @Test
    @Order(2)
    void restoresAllIntoAnEmptyEngineAndTheImagesRun() throws Exception {
        assertEquals("", dockerd.dockerOk("images", "-aq").strip(), "engine starts empty");
        Map<String, Long> lastSent = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, Long> totals = new java.util.concurrent.ConcurrentHashMap<>();
        RestoreOptions o = RestoreOptions.defaults().withProgress((img, sent, total) -> {
            lastSent.put(img, sent);
            totals.put(img, total);
        });
        List<RestoreResult> rs = new Restorer(engine, AppStore.open(store)).restoreAll(o);
        assertEquals(3, rs.size(), rs::toString);
        assertTrue(rs.stream().allMatch(r -> r.status() == RestoreResult.Status.RESTORED), rs::toString);
        for (Map.Entry<BuiltImage, String> e : names.entrySet()) {
            BuiltImage img = e.getKey();
            String name = e.getValue();
            assertEquals(totals.get(name), lastSent.get(name));
            assertEquals(storeIds.get(img), dockerd.dockerOk("image", "inspect", "--format", "{{.Id}}", name).strip());
            String layers = dockerd.dockerOk("image", "inspect", "--format", "{{range .RootFS.Layers}}{{.}} {{end}}", name).strip();
            assertEquals(img.diffIds().stream().map(Digest::toString).toList(), List.of(layers.split(" ")));
            List<String> files = filesOf(img);
            String out = dockerd.dockerOk("run", "--rm", "--network", "none", name, "sh", "-c", "sha256sum " + String.join(" ", files));
            for (String f : files) {
                assertTrue(out.contains(expectedSha(img, f.substring(1)) + "  " + f), () -> name + ": " + f + " in\n" + out);
            }
            assertEquals(resultFor(rs, name).apps(), List.of(apps.get(img)));
        }
    }

    @Test
    @Order(3)
    void presentImagesAreSkippedWithoutAReloadAndForcedOnesReloaded() throws Exception {
        Map<String, String> before = new LinkedHashMap<>();
        for (String n : names.values()) {
            before.put(n, dockerd.dockerOk("image", "inspect", "--format", "{{.Id}} {{.Created}} {{.Metadata.LastTagTime}}", n));
        }
        long since = eventMark();
        List<RestoreResult> rs = new Restorer(engine, AppStore.open(store)).restoreAll(RestoreOptions.defaults());
        assertTrue(rs.stream().allMatch(r -> r.status() == RestoreResult.Status.SKIPPED_PRESENT), rs::toString);
        assertEquals(List.of(), imageLoadEvents(since), "no image was loaded again");
        for (String n : names.values()) {
            assertEquals(before.get(n), dockerd.dockerOk("image", "inspect", "--format",
                    "{{.Id}} {{.Created}} {{.Metadata.LastTagTime}}", n), "untouched: " + n);
        }
        // a lost tag is put back, still without a load
        String b = names.get(SampleSet.image(SampleSet.B));
        dockerd.dockerOk("rmi", b); // removes only the tag? no: the image has one tag, so it is deleted
        long since2 = eventMark();
        List<RestoreResult> again = new Restorer(engine, AppStore.open(store)).restoreImages(List.of(b), RestoreOptions.defaults());
        assertEquals(RestoreResult.Status.RESTORED, again.get(0).status(), again::toString);
        assertEquals(1, imageLoadEvents(since2).size());

        long since3 = eventMark();
        List<RestoreResult> forced = new Restorer(engine, AppStore.open(store)).restoreApps(List.of("tools"),
                RestoreOptions.defaults().withForce(true));
        assertEquals(RestoreResult.Status.RESTORED, forced.get(0).status(), forced::toString);
        assertEquals(1, imageLoadEvents(since3).size(), "forced: loaded again");
    }

    @Test
    @Order(4)
    void aCorruptLayerBlobFailsItsImageOnlyAndDockerdRegistersNothingOfIt() throws Exception {
        removeAllImages();
        Path bad = copyStore(store, work.resolve("bad-small"));
        String a = names.get(SampleSet.image(SampleSet.A));
        String b = names.get(SampleSet.image(SampleSet.B));
        String c = names.get(SampleSet.image(SampleSet.C));
        BuiltImage ci = SampleSet.image(SampleSet.C);
        // C's top layer (the padded one) is C's alone
        Path blob = blobOf(AppStore.open(bad), c, 2);
        flipByte(blob, -1);
        List<RestoreResult> rs = new Restorer(engine, AppStore.open(bad)).restoreAll(RestoreOptions.defaults());
        RestoreResult rc = resultFor(rs, c);
        assertEquals(RestoreResult.Status.FAILED, rc.status());
        assertTrue(rc.reason().contains("blobs/sha256/" + blob.getFileName()), rc.reason());
        assertTrue(rc.reason().contains("dockerd registered nothing"), rc.reason());
        assertEquals(RestoreResult.Status.RESTORED, resultFor(rs, a).status());
        assertEquals(RestoreResult.Status.RESTORED, resultFor(rs, b).status());
        assertFalse(registeredDiffIds().contains(ci.diffIds().get(2).toString()), "no half-registered layer of C");
        assertFalse(Files.exists(dockerd.dataRoot().resolve("image/overlay2/layerdb/sha256").resolve(ci.topChainId().hex())));
        assertEquals(1, dockerd.docker("image", "inspect", storeIds.get(ci)).exitCode());
        assertNoImportLeftovers();
    }

    @Test
    @Order(5)
    void aCorruptBigSharedLayerIsCaughtMidStreamForEveryImageUsingIt() throws Exception {
        removeAllImages();
        Path bad = copyStore(store, work.resolve("bad-big"));
        String a = names.get(SampleSet.image(SampleSet.A));
        String b = names.get(SampleSet.image(SampleSet.B));
        String c = names.get(SampleSet.image(SampleSet.C));
        BuiltImage ai = SampleSet.image(SampleSet.A);
        Path blob = blobOf(AppStore.open(bad), a, 1); // the 1.5 MiB app layer, shared by A and C
        flipByte(blob, -1);
        long since = eventMark();
        List<RestoreResult> rs = new Restorer(engine, AppStore.open(bad)).restoreAll(RestoreOptions.defaults());
        for (String n : List.of(a, c)) {
            assertEquals(RestoreResult.Status.FAILED, resultFor(rs, n).status(), rs::toString);
            assertTrue(resultFor(rs, n).reason().contains(blob.getFileName().toString()), resultFor(rs, n).reason());
        }
        assertEquals(RestoreResult.Status.RESTORED, resultFor(rs, b).status());
        assertFalse(registeredDiffIds().contains(ai.diffIds().get(1).toString()), "no half-registered app layer");
        assertEquals(List.of(storeIds.get(SampleSet.image(SampleSet.B))), imageLoadEvents(since));
        assertNoImportLeftovers();
    }

    void assertNoImportLeftovers() throws IOException {
        Path tmp = dockerd.dataRoot().resolve("tmp");
        if (Files.isDirectory(tmp)) {
            try (Stream<Path> s = Files.list(tmp)) {
                assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("docker-import")).toList());
            }
        }
    }

    @Test
    @Order(6)
    void aHostileStoreIsRefusedWithFindingsAndNothingIsLoaded() throws Exception {
        removeAllImages();
        Path evil = copyStore(store, work.resolve("evil"));
        Path outside = work.resolve("outside");
        Files.createDirectories(outside);
        AppStore s = AppStore.open(evil);
        String a = names.get(SampleSet.image(SampleSet.A));
        String b = names.get(SampleSet.image(SampleSet.B));
        String c = names.get(SampleSet.image(SampleSet.C));
        // A: index.json with a digest that climbs out of the blob store
        Path aDir = imageDir(evil, s.find(a).get(0));
        Files.writeString(aDir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:../../../../outside/m\",\"size\":10}]}");
        // B: its small top layer blob a symlink to a (correct!) copy outside the store
        Path bBlob = blobOf(s, b, 2);
        Files.move(bBlob, outside.resolve("blob"));
        Files.createSymbolicLink(bBlob, outside.resolve("blob"));
        // C: index.json itself a symlink to an index outside the store
        Path cDir = imageDir(evil, s.find(c).get(0));
        Files.move(cDir.resolve("index.json"), outside.resolve("index.json"));
        Files.createSymbolicLink(cDir.resolve("index.json"), outside.resolve("index.json"));

        AppStore hostile = AppStore.open(evil);
        List<AppStoreFinding> refused = hostile.findings().stream()
                .filter(f -> f.code() == AppStoreFinding.Code.APPSTORE_REFUSED_PATH).toList();
        assertEquals(3, refused.size(), hostile.findings()::toString);
        long since = eventMark();
        List<RestoreResult> rs = new Restorer(engine, hostile).restoreAll(RestoreOptions.defaults());
        assertEquals(3, rs.size(), rs::toString);
        assertTrue(rs.stream().allMatch(r -> r.status() == RestoreResult.Status.FAILED), rs::toString);
        assertTrue(resultFor(rs, b).reason().contains("symbolic link"), resultFor(rs, b).reason());
        assertEquals(List.of(), imageLoadEvents(since));
        assertEquals("", dockerd.dockerOk("images", "-aq").strip());
    }

    static Path imageDir(Path storeRoot, StoreImage i) {
        return storeRoot.resolve(i.key());
    }

    @Test
    @Order(7)
    void dockerdsOwnRefusalIsReportedWithItsMessage() throws Exception {
        removeAllImages();
        // an image whose config claims a wrong DiffID for its top layer: blobs all match their
        // digests, so only dockerd can tell
        Path odd = copyStore(store, work.resolve("odd"));
        AppStore s = AppStore.open(odd);
        StoreImage b = s.find(names.get(SampleSet.image(SampleSet.B))).get(0);
        String config = new String(b.configBytes(), StandardCharsets.UTF_8)
                .replace(b.diffIds().get(2).toString(), Digest.sha256Of(new byte[] {42}).toString());
        byte[] cfg = config.getBytes(StandardCharsets.UTF_8);
        Files.write(odd.resolve("blobs/sha256").resolve(Digest.sha256Of(cfg).hex()), cfg);
        String manifest = Files.readString(odd.resolve("blobs/sha256").resolve(b.manifestDigest().orElseThrow().hex()))
                .replace(b.imageId().toString(), Digest.sha256Of(cfg).toString())
                .replace("\"size\":" + b.configBytes().length + "}", "\"size\":" + cfg.length + "}");
        byte[] mb = manifest.getBytes(StandardCharsets.UTF_8);
        Digest md = Digest.sha256Of(mb);
        Files.write(odd.resolve("blobs/sha256").resolve(md.hex()), mb);
        Path dir = odd.resolve("apps/odd/1/images/hub.example.com/factory/odd").resolve(md.hex());
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + md + "\",\"size\":" + mb.length + "}]}");
        List<RestoreResult> rs = new Restorer(engine, AppStore.open(odd)).restoreApps(List.of("odd"), RestoreOptions.defaults());
        assertEquals(1, rs.size(), rs::toString);
        assertEquals(RestoreResult.Status.FAILED, rs.get(0).status());
        assertTrue(rs.get(0).reason().startsWith("the Docker engine refused the load: "), rs.get(0).reason());
        assertTrue(rs.get(0).reason().contains("invalid diffID"), rs.get(0).reason());
        assertFalse(rs.get(0).reason().contains("\n"));
    }

    @Test
    @Order(8)
    void theOtherTwoFormsRestoreToo() throws Exception {
        removeAllImages();
        // docker-archive (docker save form), straight from the file
        Path archive = SampleSet.writeArchive(work.resolve("save"));
        try (AppStore s = AppStore.open(archive)) {
            List<RestoreResult> rs = new Restorer(engine, s).restoreAll(RestoreOptions.defaults());
            assertTrue(rs.stream().allMatch(r -> r.status() == RestoreResult.Status.RESTORED), rs::toString);
        }
        for (BuiltImage img : SampleSet.images()) {
            assertEquals(img.imageId().toString(), dockerd.dockerOk("image", "inspect", "--format", "{{.Id}}",
                    img.repoTags().get(0)).strip());
        }
        removeAllImages();
        // plain OCI layout written by skopeo with a tag
        Path layout = work.resolve("layout");
        run(List.of(SKOPEO.toString(), "--insecure-policy", "copy", "--quiet", "docker-archive:" + work.resolve("img1.tar"),
                "oci:" + layout + ":v7"));
        List<RestoreResult> rs = new Restorer(engine, AppStore.open(layout)).restoreAll(RestoreOptions.defaults());
        assertEquals(1, rs.size());
        assertEquals(RestoreResult.Status.RESTORED, rs.get(0).status(), rs::toString);
        assertEquals(storeIds.get(SampleSet.image(SampleSet.B)),
                dockerd.dockerOk("image", "inspect", "--format", "{{.Id}}", "layout:v7").strip());
        String out = dockerd.dockerOk("run", "--rm", "--network", "none", "layout:v7", "sh", "-c", "cat /srv/index.html");
        assertEquals("<html>b</html>\n", out);
    }

    @Test
    @Order(9)
    void anUnreachableEngineIsOneClearLine() throws Exception {
        try (DockerEngine gone = DockerEngine.connect("unix://" + work.resolve("nobody.sock"))) {
            RestoreException e = org.junit.jupiter.api.Assertions.assertThrows(RestoreException.class,
                    () -> new Restorer(gone, AppStore.open(store)).restoreAll(RestoreOptions.defaults()));
            assertTrue(e.getMessage().contains("is not reachable"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
        }
    }

    @Test
    @Order(10)
    void anEngineThatDiesMidUploadIsAClearFailureNotAHang() throws Exception {
        Dockerd doomed = Dockerd.start(work.resolve("doomed"));
        try (DockerEngine e = DockerEngine.connect(doomed.host())) {
            String a = names.get(SampleSet.image(SampleSet.A));
            java.util.concurrent.atomic.AtomicBoolean killed = new java.util.concurrent.atomic.AtomicBoolean();
            RestoreOptions o = RestoreOptions.defaults().withProgress((img, sent, total) -> {
                if (sent > total / 2 && killed.compareAndSet(false, true)) {
                    doomed.kill9();
                }
            });
            List<RestoreResult> rs = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(120),
                    () -> new Restorer(e, AppStore.open(store)).restoreImages(List.of(a, names.get(SampleSet.image(SampleSet.B))),
                            RestoreOptions.defaults().withProgress(o.progress())));
            assertTrue(killed.get());
            assertEquals(2, rs.size(), rs::toString);
            assertTrue(rs.get(0).reason().contains("went away during the load"), rs.get(0).reason());
            assertTrue(rs.get(1).reason().startsWith("not attempted: the Docker engine at " + doomed.host() + " is not reachable"),
                    rs.get(1).reason());
            for (RestoreResult r : rs) {
                assertEquals(RestoreResult.Status.FAILED, r.status(), rs::toString);
                assertFalse(r.reason().contains("\n"), r.reason());
                assertFalse(r.reason().contains("Exception"), r.reason());
            }
            System.out.println("engine died mid-upload: " + rs);
        } finally {
            doomed.stop();
        }
    }
}
