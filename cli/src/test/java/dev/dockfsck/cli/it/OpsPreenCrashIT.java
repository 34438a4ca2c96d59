package dev.dockfsck.cli.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.cli.Main;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.fixtures.store.StoreIds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power cut in the middle of the boot's preen (the process halted right after an action, or
 * before its journal mark): the next boot's preen resumes its journal, ends clean with exit 1,
 * and a third finds nothing. Real processes, as the launcher runs them; a builder store.
 */
class OpsPreenCrashIT {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "1:unmarked", "2"})
    void aPreenCutOffResumesOnTheNextBoot(String hook) throws Exception {
        Path root = tmp.resolve("root");
        Path state = tmp.resolve("state");
        StoreBuilder b = StoreBuilder.create(root, 11);
        b.load(SampleSet.images());
        b.createContainer(SampleSet.A, "app", "sh");
        StoreIds ids = b.ids();
        StoreIds.LayerIds base = ids.layer(ids.imageByTag(SampleSet.A).chainIds().get(0));
        Files.write(ids.overlayDir(base.chainId()).resolve("link"), new byte[0]);
        Files.delete(root.resolve("overlay2/l").resolve(base.linkId()));
        Files.delete(ids.layerDbDir(ids.imageByTag(SampleSet.C).topChainId()).resolve("size"));
        Files.write(root.resolve("image/overlay2/imagedb/content/sha256/.tmp-" + ids.imageByTag(SampleSet.B).imageId().hex()
                + "42"), "{".getBytes(StandardCharsets.US_ASCII));

        RepairIt.Run cut = RepairIt.realDockfsck(hook, "repair", "--preen", "--root", root.toString(), "--state-dir",
                state.toString());
        assertEquals(137, cut.exit(), cut.output());
        RepairIt.Run next = RepairIt.realDockfsck(null, "repair", "--preen", "--root", root.toString(), "--state-dir",
                state.toString());
        assertEquals(1, next.exit(), next.output());
        assertTrue(next.output().contains("preen: resuming an interrupted preen"), next.output());
        RepairIt.assertNoUnfinishedJournal(state);
        assertEquals(0, Main.run("check", "--root", root.toString()));
        RepairIt.Run third = RepairIt.realDockfsck(null, "repair", "--preen", "--root", root.toString(), "--state-dir",
                state.toString());
        assertEquals(0, third.exit(), third.output());
    }
}
