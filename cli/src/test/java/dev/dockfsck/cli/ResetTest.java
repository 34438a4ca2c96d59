package dev.dockfsck.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.fixtures.store.TreeSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code dockfsck reset}: the root emptied atomically, volumes kept byte for byte unless --volumes. */
class ResetTest {
    @TempDir
    Path tmp;
    Path root;

    @BeforeEach
    void store() throws Exception {
        root = tmp.resolve("docker");
        StoreBuilder b = StoreBuilder.create(root, 11);
        b.load(SampleSet.images());
        b.createContainer(SampleSet.A, "app", "sh");
        b.createVolume("userdata", Map.of("notes.txt", "keep me\n".getBytes(StandardCharsets.UTF_8),
                "sub/blob.bin", new byte[]{0, 1, 2, (byte) 255}));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x---"));
    }

    private List<String> entries(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private CheckCommandTest.Run reset(String... more) {
        List<String> argv = new java.util.ArrayList<>(List.of("reset", "--root", root.toString(), "--no-restore"));
        argv.addAll(List.of(more));
        return CheckCommandTest.run(argv.toArray(String[]::new));
    }

    @Test
    void resetEmptiesTheRootAndKeepsVolumesByteIdentical() throws Exception {
        TreeSnapshot volumes = TreeSnapshot.of(root.resolve("volumes"), true);
        CheckCommandTest.Run r = reset();
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals(List.of("volumes"), entries(root));
        assertEquals(List.of(), volumes.diff(TreeSnapshot.of(root.resolve("volumes"), true)), "volumes/ byte for byte");
        assertEquals(List.of("docker"), entries(tmp), "no aside tree is left");
        assertEquals("rwx--x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)), "the root keeps its mode");
        // dockerd would start on it: and a second reset is a no-op that keeps the volumes
        assertEquals(0, reset().code());
        assertEquals(List.of(), volumes.diff(TreeSnapshot.of(root.resolve("volumes"), true)));
    }

    @Test
    void withVolumesNothingIsLeft() throws Exception {
        CheckCommandTest.Run r = reset("--volumes");
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals(List.of(), entries(root));
        assertEquals(List.of("docker"), entries(tmp));
        // and a root reset earlier but for its volumes loses them now
        Files.createDirectories(root.resolve("volumes/v/_data"));
        assertEquals(0, reset("--volumes").code());
        assertEquals(List.of(), entries(root));
        assertEquals(List.of("docker"), entries(tmp));
    }

    @Test
    void anInterruptedResetIsFinishedAndItsVolumesPutBack() throws Exception {
        TreeSnapshot volumes = TreeSnapshot.of(root.resolve("volumes"), true);
        // as if the power went right after the rename aside and the new empty root
        Path aside = tmp.resolve(".docker" + ResetCommand.ASIDE + "1");
        Files.move(root, aside);
        Files.createDirectory(root);
        CheckCommandTest.Run r = reset();
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals(List.of("volumes"), entries(root));
        assertEquals(List.of(), volumes.diff(TreeSnapshot.of(root.resolve("volumes"), true)));
        assertEquals(List.of("docker"), entries(tmp));
        // or right after the rename, before the new root was made
        Files.move(root, aside);
        assertEquals(0, reset().code());
        assertEquals(List.of("volumes"), entries(root));
        assertEquals(List.of(), volumes.diff(TreeSnapshot.of(root.resolve("volumes"), true)));
    }

    @Test
    void resetRefusesWhatIsNotADockerRootAndNeedsAnExplicitRoot() throws Exception {
        Path other = tmp.resolve("home");
        Files.createDirectories(other);
        Files.writeString(other.resolve("precious"), "x");
        CheckCommandTest.Run r = CheckCommandTest.run("reset", "--root", other.toString(), "--no-restore");
        assertEquals(8, r.code());
        assertTrue(r.err().contains("does not look like a Docker data root"), r.err());
        assertTrue(Files.exists(other.resolve("precious")));
        assertEquals(16, CheckCommandTest.run("reset").code(), "--root is required");
        assertEquals(16, CheckCommandTest.run("reset", "--root", "/", "--no-restore").code());
        assertFalse(Files.exists(tmp.resolve("nothing")));
        assertEquals(8, CheckCommandTest.run("reset", "--root", tmp.resolve("nothing").toString(), "--no-restore").code());
    }
}
