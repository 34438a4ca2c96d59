package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.fixtures.store.StoreIds;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import dev.dockfsck.model.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repair on a full disk (a small tmpfs holding the store, filled up): it stops at the first
 * write with one line naming the file and the cause, no stack trace, nothing of its own left in
 * the store, and the journal outside; once there is room again, a rerun resumes and finishes.
 * Runs the real launcher. Needs root (mount); CI runs as root.
 */
class FullDiskIT {
    @TempDir
    Path tmp;

    static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    }

    @Test
    void aFullDiskStopsTheRepairCleanlyAndTheRerunFinishesIt() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "mounting a tmpfs needs root");
        Path mnt = tmp.resolve("small");
        Files.createDirectories(mnt);
        run("mount", "-t", "tmpfs", "-o", "size=32m", "dockfsck-fulldisk", mnt.toString());
        try {
            Path root = mnt.resolve("root");
            StoreBuilder b = StoreBuilder.create(root, 17);
            b.load(SampleSet.images());
            b.createContainer(SampleSet.A, "app", "sh");
            StoreIds ids = b.ids();
            List<Digest> a = SampleSet.image(SampleSet.A).chainIds();
            // damage repair fixes by writing into the store: an empty lower and an empty link
            Files.write(ids.overlayDir(a.get(2)).resolve("lower"), new byte[0]);
            Files.write(ids.overlayDir(a.get(1)).resolve("link"), new byte[0]);
            TreeSnapshot volumes = TreeSnapshot.of(root.resolve("volumes"), true);
            Path state = tmp.resolve("state"); // on another file system: the journal can be written

            Path filler = mnt.resolve("filler");
            try (OutputStream o = Files.newOutputStream(filler)) {
                byte[] chunk = new byte[1 << 16];
                while (true) {
                    o.write(chunk);
                }
            } catch (IOException full) {
                // the file system is full
            }
            Path launcher = LauncherIT.REPO.resolve("dockfsck");
            LauncherIT.Run stopped = LauncherIT.launch(launcher, Map.of(), "repair", "--root", root.toString(),
                    "--state-dir", state.toString());
            String all = stopped.out() + "\n--- stderr:\n" + stopped.err();
            assertEquals(8, stopped.exit(), all);
            assertTrue(stopped.err().contains("No space left on device"), all);
            // the file it could not write, relative to --root, and the action's place in the plan
            String lower = "overlay2/" + ids.layer(a.get(2)).cacheId() + "/lower";
            assertTrue(stopped.err().contains("repair stopped at action 1 of") && stopped.err().contains(lower), all);
            assertTrue(stopped.err().contains(state.toString()), "it says where the journal is: " + all);
            assertFalse(all.contains("\tat ") || all.contains("Exception in thread") || all.contains("internal error"), all);
            assertEquals(1, stopped.err().lines().filter(l -> !l.startsWith("WARNING: Using incubator")).count(),
                    "one line: " + stopped.err());
            try (Stream<Path> s = Files.walk(root)) {
                List<Path> ours = s.filter(p -> p.getFileName().toString().contains("dockfsck")).toList();
                assertEquals(List.of(), ours, "nothing of dockfsck's is left in the store");
            }

            Files.delete(filler);
            LauncherIT.Run again = LauncherIT.launch(launcher, Map.of(), "repair", "--root", root.toString(),
                    "--state-dir", state.toString());
            assertEquals(1, again.exit(), again.out() + again.err());
            assertTrue(again.out().contains("resuming an interrupted repair"), again.out());
            LauncherIT.Run check = LauncherIT.launch(launcher, Map.of(), "check", "--deep", "--root", root.toString());
            assertEquals(0, check.exit(), check.out() + check.err());
            assertEquals(volumes, TreeSnapshot.of(root.resolve("volumes"), true), "volumes/ untouched");
        } finally {
            run("umount", "-l", mnt.toString());
        }
    }
}
