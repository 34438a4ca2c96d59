package dev.dockfsck.cli.it;

import static dev.dockfsck.cli.it.RepairIt.chain;
import static dev.dockfsck.cli.it.RepairIt.copyGolden;
import static dev.dockfsck.cli.it.RepairIt.empty;
import static dev.dockfsck.cli.it.RepairIt.layerDb;
import static dev.dockfsck.cli.it.RepairIt.overlayDir;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What repair must never do: write on a dry run, or write under a live dockerd. */
class RepairGuardsIT {
    @BeforeAll
    static void golden() throws IOException {
        RepairIt.golden();
    }

    /** Damage that calls for every kind of action (removal, in-place fixes, leftovers). */
    static Path damaged(Path tmp) throws IOException {
        Path root = copyGolden(tmp);
        empty(layerDb(root, chain(SampleSet.B).get(1)).resolve("cache-id"));
        empty(overlayDir(root, chain(SampleSet.A).get(1)).resolve("link"));
        empty(layerDb(root, chain(SampleSet.C).get(2)).resolve("size"));
        Files.createDirectories(root.resolve("tmp/docker-import-77"));
        Files.createDirectories(root.resolve("image/overlay2/layerdb/tmp/write-set-77"));
        return root;
    }

    @Test
    void dryRunChangesNoByteAndCreatesNoStateDir(@TempDir Path tmp) throws IOException {
        Path root = damaged(tmp);
        Path state = tmp.resolve("state");
        TreeSnapshot before = TreeSnapshot.of(root, true);

        RepairIt.Repaired r = RepairIt.repair(root, state, "--dry-run", "--force", "--deep");

        assertEquals(4, r.exit(), "a dry run corrects nothing: errors are left");
        assertEquals(List.of(), before.diff(TreeSnapshot.of(root, true)), "a dry run wrote to the root");
        assertFalse(Files.exists(state), "a dry run created the state dir");
    }

    /** The same through the real process with --format json, whose plan is the one a real run applies. */
    @Test
    void dryRunJsonShowsThePlanAndWritesNothing(@TempDir Path tmp) throws Exception {
        Path root = damaged(tmp);
        Path state = tmp.resolve("state");
        TreeSnapshot before = TreeSnapshot.of(root, true);

        RepairIt.Run run = RepairIt.realDockfsck(null, "repair", "--root", root.toString(), "--state-dir",
                state.toString(), "--dry-run", "--force", "--format", "json");

        assertEquals(4, run.exit(), run.output());
        JsonNode json = new ObjectMapper().readTree(run.output());
        assertTrue(json.get("dry_run").asBoolean());
        assertFalse(json.get("applied").asBoolean());
        assertEquals(List.of(), before.diff(TreeSnapshot.of(root, true)), "a dry run wrote to the root");
        assertFalse(Files.exists(state), "a dry run created the state dir");
        // the plan shown is the plan a real run applies
        RepairIt.Repaired real = RepairIt.repair(root, state, "--force");
        assertEquals(1, real.exit());
        assertEquals(new ObjectMapper().readTree(dev.dockfsck.repair.apply.Journal.toJson(real.plan())),
                json.get("plan"));
    }

    /**
     * The parts of a root that repair could write (a running dockerd keeps writing its own
     * containerd/, network/ and buildkit/ databases, which repair never touches).
     */
    static List<TreeSnapshot> repairable(Path root) throws IOException {
        List<TreeSnapshot> out = new java.util.ArrayList<>();
        for (String sub : List.of("image", "overlay2", "containers", "tmp", "volumes")) {
            out.add(TreeSnapshot.of(root.resolve(sub), true));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void liveDockerdIsRefused(boolean viaSymlink, @TempDir Path tmp) throws IOException {
        Path root = damaged(tmp);
        Path state = tmp.resolve("state");
        // dockerd may be told the root through a symlink; repair must see it is the same root
        Path dataRoot = root;
        if (viaSymlink) {
            dataRoot = Files.createSymbolicLink(tmp.resolve("alias"), root);
        }
        try (Dockerd d = Dockerd.start(tmp.resolve("dockerd"), dataRoot)) {
            assertTrue(d.isRunning());
            List<TreeSnapshot> before = repairable(root);

            RepairIt.Repaired r = RepairIt.repair(root, state, "--force");

            assertEquals(8, r.exit(), "operational error: a live dockerd uses the root");
            assertEquals(before, repairable(root), "repair wrote under a live dockerd");
            assertFalse(Files.exists(state), "nothing journaled");
        }
    }

    /**
     * dockerd is often given its data root in daemon.json, not on its command line: repair must
     * still see that it runs on the root.
     */
    @Test
    void liveDockerdConfiguredByDaemonJsonIsRefused(@TempDir Path tmp) throws Exception {
        Dockerd.assumeAvailable();
        Path root = damaged(tmp);
        Path state = tmp.resolve("state");
        Path run = Files.createTempDirectory(Path.of("/tmp"), "dfk");
        Path config = tmp.resolve("daemon.json");
        Files.writeString(config, "{\"data-root\": \"" + root + "\", \"storage-driver\": \"overlay2\"}\n");
        ProcessBuilder pb = new ProcessBuilder(Dockerd.DOCKERD.toString(), "--config-file", config.toString(),
                "--exec-root", run.resolve("e").toString(), "--pidfile", run.resolve("pid").toString(),
                "--host", "unix://" + run.resolve("s"), "--iptables=false", "--ip6tables=false",
                "--ip-forward=false", "--ip-masq=false", "--bridge=none", "--log-level=warn")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("dockerd.log").toFile());
        Process dockerd = pb.start();
        Dockerd.recordPid(dockerd.pid());
        List<ProcessHandle> family = new java.util.ArrayList<>();
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            boolean up = false;
            while (!up && System.nanoTime() < deadline && dockerd.isAlive()) {
                up = new ProcessBuilder(Dockerd.DOCKER.toString(), "-H", "unix://" + run.resolve("s"), "version")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
                if (!up) {
                    Thread.sleep(100);
                }
            }
            assertTrue(up, "dockerd with daemon.json did not come up: " + Files.readString(tmp.resolve("dockerd.log")));
            dockerd.descendants().forEach(family::add);
            List<TreeSnapshot> before = repairable(root);

            RepairIt.Repaired r = RepairIt.repair(root, state, "--force");

            assertEquals(8, r.exit(), "operational error: a live dockerd uses the root (data-root from daemon.json)");
            assertEquals(before, repairable(root), "repair wrote under a live dockerd");
            assertFalse(Files.exists(state), "nothing journaled");
        } finally {
            dockerd.destroy();
            if (!dockerd.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                dockerd.destroyForcibly();
                dockerd.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
            family.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            Dockerd.forgetPid(dockerd.pid());
            for (Path p : List.of(root, run)) {
                new ProcessBuilder("sh", "-c", "grep -o \" " + p + "[^ ]*\" /proc/self/mountinfo | sort -r"
                        + " | xargs -r -n1 umount -l").inheritIO().start().waitFor();
            }
            RepairIt.rmTree(run);
        }
    }

    /** No dockerd, but a layer still mounted (a killed dockerd's container): refused as well. */
    @Test
    void mountedLayerIsRefused(@TempDir Path tmp) throws Exception {
        Path root = damaged(tmp);
        Path state = tmp.resolve("state");
        String mountId = Files.readString(root.resolve("image/overlay2/layerdb/mounts")
                .resolve(RepairIt.golden().containerId()).resolve("mount-id"));
        Path rw = root.resolve("overlay2").resolve(mountId);
        Path merged = Files.createDirectories(rw.resolve("merged"));
        Files.createDirectories(rw.resolve("work"));
        String lower = overlayDir(root, chain(SampleSet.A).get(0)).resolve("diff").toString();
        Process mount = new ProcessBuilder("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lower
                + ",upperdir=" + rw.resolve("diff") + ",workdir=" + rw.resolve("work"), merged.toString())
                .inheritIO().start();
        assertEquals(0, mount.waitFor(), "mount the container's layer as dockerd would");
        try {
            assertTrue(Files.exists(merged.resolve("bin/busybox")));
            TreeSnapshot before = TreeSnapshot.of(root.resolve("image"), true);

            RepairIt.Repaired r = RepairIt.repair(root, state, "--force");

            assertEquals(8, r.exit(), "operational error: a layer of the root is mounted");
            assertEquals(List.of(), before.diff(TreeSnapshot.of(root.resolve("image"), true)));
            assertFalse(Files.exists(state), "nothing journaled");
        } finally {
            new ProcessBuilder("umount", "-l", merged.toString()).inheritIO().start().waitFor();
        }
    }
}
