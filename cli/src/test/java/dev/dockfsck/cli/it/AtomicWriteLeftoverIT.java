package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.cli.ExitCodes;
import dev.dockfsck.cli.Main;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import dev.dockfsck.model.Digest;
import dev.dockfsck.repair.plan.Action;
import dev.dockfsck.repair.plan.RemovePath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What a power cut between the write and the rename of one of dockerd's atomic writes
 * ({@code ioutils.AtomicWriteFile}: {@code os.CreateTemp(dir, ".tmp-" + base)}, so
 * {@code .tmp-<base><digits>} beside its target) leaves behind, on a device loaded from its app
 * store: a half-written image config, a whole repositories.json, a container's half-written
 * config.v2.json and hostconfig.json, an overlay2 dir's lower. Each is reported as
 * ATOMIC_WRITE_LEFTOVER (never as an unexpected entry); repair removes exactly them and nothing
 * else, the re-check is clean, and dockerd holds the same images, runs every app and the old container.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AtomicWriteLeftoverIT {
    AppStoreDevice device;

    @BeforeAll
    void setUp() throws Exception {
        device = AppStoreDevice.make("dfk-atomic");
    }

    @AfterAll
    void tearDown() throws Exception {
        if (device != null) {
            device.delete();
        }
    }

    private Map<String, String> imageIds(Dockerd d) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String n : device.nameOfApp().values()) {
            out.put(n, d.dockerOk("image", "inspect", "--format", "{{.Id}}", n).strip());
        }
        return out;
    }

    /** The image ID kiosk-ctr was created from, as its config.v2.json says. */
    static Digest containerImage(Path root, String containerId) throws IOException {
        String cfg = Files.readString(root.resolve("containers").resolve(containerId).resolve("config.v2.json"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"Image\":\"(sha256:[0-9a-f]{64})\"").matcher(cfg);
        assertTrue(m.find(), "config.v2.json names its image: " + cfg);
        return Digest.parse(m.group(1));
    }

    private static Path plant(Path file, byte[] content) throws IOException {
        Files.write(file, content);
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static byte[] half(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        return Arrays.copyOf(b, b.length / 2);
    }

    /** Paths as the report and the plan give them (relative to the root) or absolute, as absolute paths. */
    private static Set<Path> paths(Path root, java.util.stream.Stream<String> s) {
        return s.map(p -> root.resolve(p).normalize()).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void leftoversOfInterruptedAtomicWritesAreReportedAndRemovedExactly() throws Exception {
        Path r = GoldenStore.copy(device.root(), device.work().resolve("leftovers").resolve("root"));
        Map<String, String> before;
        try (Dockerd d = RepairIt.dockerdOn(r)) {
            before = imageIds(d);
        }
        TreeSnapshot clean = TreeSnapshot.of(r, true);

        Digest kiosk = containerImage(r, device.containerId());
        Path config = RepairIt.imageConfig(r, kiosk);
        Path ctr = r.resolve("containers").resolve(device.containerId());
        Path middle = RepairIt.overlayDir(r, SampleSet.image(SampleSet.C).chainIds().get(1));
        Set<Path> planted = new TreeSet<>(List.of(
                plant(config.resolveSibling(".tmp-" + kiosk.hex() + "3141592653"), half(config)),
                plant(RepairIt.repositoriesJson(r).resolveSibling(".tmp-repositories.json271828182"),
                        Files.readAllBytes(RepairIt.repositoriesJson(r))),
                plant(ctr.resolve(".tmp-config.v2.json42"), half(ctr.resolve("config.v2.json"))),
                plant(ctr.resolve(".tmp-hostconfig.json7"), Files.readAllBytes(ctr.resolve("hostconfig.json"))),
                plant(middle.resolve(".tmp-lower123456789"), Files.readAllBytes(middle.resolve("lower")))));
        planted = paths(r, planted.stream().map(Path::toString));

        List<Finding> found = RepairIt.report(r, true).findings();
        assertEquals(planted, paths(r, found.stream().filter(f -> f.code() == FindingCode.ATOMIC_WRITE_LEFTOVER)
                .map(Finding::path)), "one ATOMIC_WRITE_LEFTOVER per temp file: " + RepairIt.findings(r, true));
        assertEquals(List.of(), found.stream().filter(f -> f.code() != FindingCode.ATOMIC_WRITE_LEFTOVER)
                .map(f -> f.code() + " " + f.path()).toList(), "nothing else: the targets are intact");
        assertFalse(RepairIt.codes(r, false).contains(FindingCode.UNEXPECTED_ENTRY));
        assertEquals(ExitCodes.ERRORS_LEFT, Main.run("check", "--root", r.toString()), "warnings left by check");

        RepairIt.Repaired rep = RepairIt.repair(r, device.work().resolve("leftovers").resolve("state"));
        assertEquals(ExitCodes.CORRECTED, rep.exit(), String.valueOf(rep.plan()));
        List<Action> actions = rep.plan().actions();
        assertEquals(actions.size(), rep.actions(RemovePath.class), "only removals: " + actions);
        assertEquals(planted, paths(r, actions.stream().map(a -> ((RemovePath) a).path())), "exactly the temp files");
        for (Path p : planted) {
            assertFalse(Files.exists(p), p + " is removed");
        }
        assertEquals(List.of(), clean.diff(TreeSnapshot.of(r, true)), "nothing but the temp files changed");
        rep.assertPendingExactly();

        RepairIt.assertCleanDeep(r);
        try (Dockerd d = RepairIt.dockerdOn(r)) {
            assertEquals(before, imageIds(d), "the same images");
            for (String app : AppStoreDevice.APPS) {
                RepairIt.assertRuns(d, device.nameOfApp().get(app), AppStoreDevice.SAMPLE_OF_APP.get(app));
            }
            Dockerd.Result started = d.docker("start", "-a", device.containerId());
            assertTrue(started.ok(), started.stderr());
            assertEquals(RepairIt.EXPECTED.get(SampleSet.C), started.stdout(), "the old container runs");
        }
    }
}
