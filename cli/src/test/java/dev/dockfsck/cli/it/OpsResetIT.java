package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.dockfsck.cli.Main;
import dev.dockfsck.cli.SystemdUnits;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.dockerd.GoldenStore;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Factory reset on a real dockerd 20.10 device with a skopeo-made app store: {@code dockfsck
 * reset} offline, dockerd starts on the emptied root, {@code dockfsck-restore.service}'s exact
 * ExecStart brings every app back; the volume is byte-identical and dockerd still knows it.
 */
class OpsResetIT {
    @Test
    void resetThenRestoreBringsEveryAppBackAndKeepsTheVolume() throws Exception {
        Path launcher = SystemdUnits.launcher();
        assumeTrue(Files.isRegularFile(launcher.getParent().resolve("cli/target/dockfsck.jar")),
                "the launcher's jar is built by mvn package (verify builds it before the ITs)");
        AppStoreDevice device = AppStoreDevice.make("ops-reset");
        try {
            Path root = device.root();
            Path state = device.work().resolve("state");
            Path userData = root.resolve("volumes").resolve(GoldenStore.VOLUME).resolve("_data");
            TreeSnapshot data = TreeSnapshot.of(userData, true);

            // a live root is refused and left as it is
            try (Dockerd d = RepairIt.dockerdOn(root)) {
                assertEquals(8, Main.run("reset", "--root", root.toString(), "--state-dir", state.toString(),
                        "--app-store", device.store().toString()));
                assertTrue(d.docker("image", "inspect", device.nameOfApp().get("shop")).ok());
            }
            TreeSnapshot volumes = TreeSnapshot.of(root.resolve("volumes"), true);
            assertEquals(0, Main.run("reset", "--root", root.toString(), "--state-dir", state.toString(),
                    "--app-store", device.store().toString()));
            try (Stream<Path> s = Files.list(root)) {
                assertEquals(List.of("volumes"), s.map(p -> p.getFileName().toString()).toList());
            }
            assertEquals(List.of(), volumes.diff(TreeSnapshot.of(root.resolve("volumes"), true)),
                    "volumes/ byte-identical, dockerd's metadata.db included");
            assertTrue(Files.exists(state.resolve("pending-restore.json")), "dockfsck-restore.service's condition");

            try (Dockerd d = RepairIt.dockerdOn(root)) {
                RepairIt.Run restore = OpsBootSequenceIT.execStart("dockfsck-restore.service", Map.of(
                        SystemdUnits.LAUNCHER, launcher, "/var/lib/dockfsck", state, "/var/sota/reset-apps",
                        device.store()), Map.of("DOCKER_HOST", d.host()));
                assertEquals(0, restore.exit(), restore.output());
                for (String app : AppStoreDevice.APPS) {
                    RepairIt.assertRuns(d, device.nameOfApp().get(app), AppStoreDevice.SAMPLE_OF_APP.get(app));
                }
                assertTrue(d.dockerOk("volume", "ls", "-q").lines().anyMatch(GoldenStore.VOLUME::equals),
                        "dockerd still knows the kept volume");
                assertTrue(d.docker("container", "inspect", device.containerId()).ok() == false,
                        "the container went with the reset");
                RepairIt.assertNoStoreErrors(d);
            }
            assertEquals(List.of(), data.diff(TreeSnapshot.of(userData, true)), "the user's data byte for byte");
            assertEquals(0, RepairIt.check(root, true), "the restored store checks clean");
        } finally {
            device.delete();
        }
    }
}
