package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.cli.Main;
import dev.dockfsck.cli.SystemdUnits;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.StoreImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The boot as systemd runs it, on a real dockerd 20.10 store with a skopeo-made app store: the
 * units' exact ExecStart lines (only the device paths pointed at the test's: launcher, data root,
 * state dir, app store, /run), in their order: {@code dockfsck.service} (preen) before dockerd,
 * dockerd, then {@code dockfsck-restore.service} (its condition checked). The store was damaged as
 * a power cut leaves it: an interrupted load of one app (config and tag never written, layers
 * registered), a lost {@code l/} link and emptied {@code link} under the container's image, a lost
 * tar-split, and a temp file of dockerd's atomic write. It ends healthy, every app runs, the
 * container starts, volumes are untouched.
 */
class OpsBootSequenceIT {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Runs a unit's ExecStart, with the device paths mapped to the test's. */
    static RepairIt.Run execStart(String unit, Map<String, Path> paths, Map<String, String> env) throws Exception {
        List<String> argv = new ArrayList<>();
        for (String a : SystemdUnits.execStart(unit)) {
            String mapped = a;
            for (Map.Entry<String, Path> p : paths.entrySet()) {
                if (a.equals(p.getKey()) || a.startsWith(p.getKey() + "/")) {
                    mapped = p.getValue() + a.substring(p.getKey().length());
                }
            }
            argv.add(mapped);
        }
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C.UTF-8"); // the units' Environment=
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(600, TimeUnit.SECONDS), unit + " did not finish: " + out);
        return new RepairIt.Run(p.exitValue(), out);
    }

    static void untag(Path root, Digest imageId) throws IOException {
        Path repos = RepairIt.repositoriesJson(root);
        ObjectNode doc = (ObjectNode) JSON.readTree(repos.toFile());
        for (JsonNode repo : doc.get("Repositories")) {
            for (Iterator<Map.Entry<String, JsonNode>> it = repo.fields(); it.hasNext(); ) {
                if (it.next().getValue().asText().equals(imageId.toString())) {
                    it.remove();
                }
            }
        }
        Files.write(repos, JSON.writeValueAsBytes(doc));
    }

    @Test
    void preenThenDockerThenRestoreEndsWithAHealthyStoreAndEveryAppRunning() throws Exception {
        Path launcher = SystemdUnits.launcher();
        assumeTrue(Files.isRegularFile(launcher.getParent().resolve("cli/target/dockfsck.jar")),
                "the launcher's jar is built by mvn package (verify builds it before the ITs)");
        AppStoreDevice device = AppStoreDevice.make("ops-boot");
        try {
            Path root = device.root();
            Path state = device.work().resolve("state");
            Path run = device.work().resolve("run");
            Map<String, Path> paths = Map.of(SystemdUnits.LAUNCHER, launcher, "/var/lib/docker", root,
                    "/var/lib/dockfsck", state, "/var/sota/reset-apps", device.store(), "/run/dockfsck", run);
            TreeSnapshot volumes = TreeSnapshot.of(root.resolve("volumes"), true);

            // the power cut: "tools" was being loaded (layers registered, config and tag not yet written)
            Map<String, StoreImage> apps = new java.util.HashMap<>();
            try (AppStore s = AppStore.open(device.store())) {
                s.images().forEach(i -> apps.put(i.app(), i));
            }
            Digest tools = apps.get("tools").imageId();
            Files.delete(RepairIt.imageConfig(root, tools));
            if (Files.exists(RepairIt.imageMetadata(root, tools))) {
                RepairIt.rmTree(RepairIt.imageMetadata(root, tools));
            }
            untag(root, tools);
            // under the kiosk container's image: its top layer's link emptied and l/ entry lost
            List<Digest> kiosk = apps.get("kiosk").chainIds();
            Digest kioskTop = kiosk.get(kiosk.size() - 1);
            String link = RepairIt.linkId(root, kioskTop);
            RepairIt.empty(RepairIt.overlayDir(root, kioskTop).resolve("link"));
            Files.delete(root.resolve("overlay2/l").resolve(link));
            // the shop app's top layer lost its tar-split (docker save would fail)
            List<Digest> shop = apps.get("shop").chainIds();
            Files.delete(RepairIt.layerDb(root, shop.get(shop.size() - 1)).resolve("tar-split.json.gz"));
            // and a temp file of an atomic write the cut left behind
            Path leftover = root.resolve("image/overlay2/imagedb/content/sha256/.tmp-" + tools.hex() + "987654321");
            Files.write(leftover, "{\"architecture\":".getBytes(StandardCharsets.US_ASCII));

            // 1. dockfsck.service, before docker.service (its condition holds: the store is there)
            assertTrue(Files.isDirectory(root.resolve("image/overlay2")));
            RepairIt.Run preen = execStart("dockfsck.service", paths, Map.of());
            assertEquals(1, preen.exit(), preen.output());
            assertFalse(preen.output().contains("preen: left for 'dockfsck repair'"), preen.output());
            assertTrue(preen.output().contains(", 0 left for 'dockfsck repair'"), preen.output());
            // the journal gets dockfsck's own lines only (no progress bar, no timestamps), but for JDK
            // 17's incubator warning, which the launcher's foreign-API flags cause until the runtime
            // with the final FFM API (issue 14 item 4) replaces them
            preen.output().lines().forEach(l -> assertTrue(l.startsWith("preen: ") || l.startsWith("deep: ")
                    || l.equals("WARNING: Using incubator modules: jdk.incubator.foreign"), "a journal line: " + l));
            assertFalse(Files.exists(leftover));
            RepairIt.assertVolumesUnchanged(root, volumes);
            JsonNode report = JSON.readTree(run.resolve("preen.json").toFile());
            assertEquals(1, report.get("exit_code").asInt());
            assertTrue(Files.readString(state.resolve("metrics/preen.prom")).contains("dockfsck_exit_code{command=\"preen\"} 1"));

            // 2. docker.service
            try (Dockerd d = RepairIt.dockerdOn(root)) {
                // 3. dockfsck-restore.service: its conditions hold, and it brings "tools" back
                assertTrue(Files.exists(state.resolve("pending-restore.json")), "ConditionPathExists");
                assertTrue(Files.isDirectory(device.store()), "ConditionPathIsDirectory");
                RepairIt.Run restore = execStart("dockfsck-restore.service", paths, Map.of("DOCKER_HOST", d.host()));
                assertEquals(0, restore.exit(), restore.output());
                assertTrue(Files.readString(state.resolve("metrics/restore.prom"))
                        .contains("dockfsck_restore_images{command=\"restore\",status=\"restored\"} 1"),
                        Files.readString(state.resolve("metrics/restore.prom")));
                for (String app : AppStoreDevice.APPS) {
                    RepairIt.assertRuns(d, device.nameOfApp().get(app), AppStoreDevice.SAMPLE_OF_APP.get(app));
                }
                Dockerd.Result started = d.docker("start", "-a", device.containerId());
                assertTrue(started.ok(), () -> started.stderr() + "\n" + d.logTail());
                assertEquals(RepairIt.EXPECTED.get(SampleSet.C), started.stdout());
                Dockerd.Result save = d.docker("save", "-o", device.work().resolve("shop.tar").toString(),
                        device.nameOfApp().get("shop"));
                assertTrue(save.ok(), () -> "docker save after the tar-split rebuild: " + save.stderr());
                RepairIt.assertNoStoreErrors(d);
            }
            // a second boot's preen finds nothing to do, and the store checks clean to the last byte
            // (dockerd itself rewrites volumes/metadata.db: the snapshot is taken again)
            volumes = TreeSnapshot.of(root.resolve("volumes"), true);
            RepairIt.Run again = execStart("dockfsck.service", paths, Map.of());
            assertEquals(0, again.exit(), again.output());
            // the boot's deep verify is incremental: every layer was proven by the first boot (the
            // rebuilt tar-split's layer by its after-check), and "tools" came back on its own layers
            assertTrue(again.output().lines().anyMatch(l -> l.matches("deep: ledger: [1-9]\\d* layer\\(s\\) proven before, 0 proven now")),
                    again.output());
            assertEquals(0, Main.run("check", "--deep", "--root", root.toString(), "--app-store", device.store().toString()));
            RepairIt.assertVolumesUnchanged(root, volumes);
            assertArrayEqualsVolume(root);
        } finally {
            device.delete();
        }
    }

    private static void assertArrayEqualsVolume(Path root) throws IOException {
        assertEquals(new String(GoldenStore.VOLUME_CONTENT, StandardCharsets.ISO_8859_1), new String(Files.readAllBytes(
                root.resolve("volumes").resolve(GoldenStore.VOLUME).resolve("_data").resolve(GoldenStore.VOLUME_FILE)),
                StandardCharsets.ISO_8859_1));
    }
}
