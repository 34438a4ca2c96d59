package dev.dockfsck.repair.plan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.Checker;
import dev.dockfsck.checker.ContentVerifier;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.TarSplitContentVerifier;
import dev.dockfsck.fixtures.image.BuiltLayer;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.fixtures.store.StoreIds;
import dev.dockfsck.model.Digest;
import dev.dockfsck.model.store.DataRootReader;
import dev.dockfsck.repair.apply.ApplyContext;
import dev.dockfsck.repair.apply.LayerBlobSource;
import dev.dockfsck.repair.apply.RootedFs;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** In-place healing of layer content from intact layer tars (an app store stand-in). */
class HealLayerFilesTest {
    @TempDir
    Path tmp;
    private Path root;
    private StoreIds ids;

    /** Layer tars by diffID, verified at EOF as the app store does; {@code corrupt} flips a byte. */
    static final class Tars implements LayerBlobSource {
        final Map<Digest, byte[]> tars = new HashMap<>();
        boolean corrupt;
        int opened;

        @Override
        public String location() {
            return "/var/sota/reset-apps";
        }

        @Override
        public Optional<String> blobFor(Digest diffId) {
            return tars.containsKey(diffId) ? Optional.of("blobs/sha256/" + diffId.hex()) : Optional.empty();
        }

        @Override
        public InputStream openLayer(Digest diffId) {
            opened++;
            byte[] b = tars.get(diffId).clone();
            if (corrupt) {
                b[b.length / 3] ^= 1;
            }
            MessageDigest sha = Digest.newSha256();
            return new FilterInputStream(new ByteArrayInputStream(b)) {
                private Digest actual;

                @Override
                public int read(byte[] buf, int off, int len) throws IOException {
                    int n = super.read(buf, off, len);
                    if (n > 0) {
                        sha.update(buf, off, n);
                    } else if (n < 0) {
                        if (actual == null) {
                            actual = Digest.ofRawSha256(sha.digest());
                        }
                        if (!actual.equals(diffId)) {
                            throw new IOException("blob does not hash to " + diffId);
                        }
                    }
                    return n;
                }

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }
            };
        }
    }

    private final Tars tars = new Tars();

    @BeforeEach
    void setUp() throws Exception {
        root = tmp.resolve("root");
        StoreBuilder b = StoreBuilder.create(root, 5);
        b.load(SampleSet.images());
        b.createContainer(SampleSet.A, "app", "sh");
        ids = b.ids();
        for (var img : SampleSet.images()) {
            for (BuiltLayer l : img.layers()) {
                tars.tars.put(l.diffId(), l.tar());
            }
        }
    }

    private Report deepCheck() throws Exception {
        return new Checker(new TarSplitContentVerifier(root)).check(DataRootReader.read(root),
                new Checker.Options(true, Optional.empty(), 2, ContentVerifier.Progress.NONE));
    }

    private Path baseFile(String name) {
        StoreIds.LayerIds base = ids.layer(ids.imageByTag(SampleSet.A).chainIds().get(0));
        return root.resolve("overlay2").resolve(base.cacheId()).resolve("diff").resolve(name);
    }

    private void apply(Plan p) throws Exception {
        ApplyContext ctx = new ApplyContext(new RootedFs(root), tmp.resolve("state"), Optional.of(tars));
        for (Action a : p.actions()) {
            a.apply(ctx);
        }
    }

    @Test
    void aZeroLengthBinaryInTheSharedBaseIsHealedAndNothingIsRemoved() throws Exception {
        byte[] original = Files.readAllBytes(baseFile("bin/busybox"));
        Files.write(baseFile("bin/busybox"), new byte[0], StandardOpenOption.TRUNCATE_EXISTING);
        Files.writeString(baseFile("etc/group"), "xoot:x:0:\napp:x:1000:\n");
        Plan plan = Planner.plan(deepCheck(), new Planner.Options(false, Map.of(), Optional.of(tars)));
        List<Action> heals = plan.actions().stream().filter(a -> a instanceof HealLayerFiles).toList();
        assertEquals(1, heals.size(), plan.actions().toString());
        assertEquals(List.of("bin/busybox", "etc/group"), ((HealLayerFiles) heals.get(0)).files().stream().sorted().toList());
        assertTrue(plan.actions().stream().noneMatch(a -> a instanceof RemoveLayer || a instanceof RemovePath
                || a instanceof RecordPendingRestore), "nothing is removed: " + plan.actions());
        assertTrue(plan.kept().isEmpty(), plan.kept().toString());
        apply(plan);
        Report after = deepCheck();
        assertTrue(after.clean(), after.findings().toString());
        assertArrayEquals(original, Files.readAllBytes(baseFile("bin/busybox")));
        assertEquals(Files.getAttribute(baseFile("bin/busybox"), "unix:ino"), Files.getAttribute(baseFile("bin/ls"), "unix:ino"),
                "the hard link bin/ls -> bin/busybox is kept");
        assertEquals(0755, (int) Files.getAttribute(baseFile("bin/busybox"), "unix:mode") & 07777);
    }

    private Path appFile(String name) {
        StoreIds.LayerIds app = ids.layer(ids.imageByTag(SampleSet.A).chainIds().get(1));
        return root.resolve("overlay2").resolve(app.cacheId()).resolve("diff").resolve(name);
    }

    /**
     * Deletes bin/sh (symlink), bin/ls (hard link to busybox) and tmp (sticky dir) from the base
     * layer, opt/app/long-target (PAX-long symlink) and opt/app/empty from the app layer; returns
     * busybox's inode.
     */
    private Object loseEntriesWithoutContent() throws IOException {
        Object busyboxInode = Files.getAttribute(baseFile("bin/busybox"), "unix:ino");
        Files.delete(baseFile("bin/sh"));
        Files.delete(baseFile("bin/ls"));
        Files.delete(baseFile("tmp"));
        Files.delete(appFile("opt/app/long-target"));
        Files.delete(appFile("opt/app/empty"));
        return busyboxInode;
    }

    /** The entries {@link #loseEntriesWithoutContent} deleted are back, as the tar records them. */
    private void assertEntriesWithoutContentBack(Object busyboxInode) throws IOException {
        assertEquals("busybox", Files.readSymbolicLink(baseFile("bin/sh")).toString());
        assertEquals(busyboxInode, Files.getAttribute(baseFile("bin/ls"), "unix:ino"), "bin/ls is a hard link to busybox again");
        assertEquals(01777, (int) Files.getAttribute(baseFile("tmp"), "unix:mode") & 07777);
        assertEquals("t".repeat(150), Files.readSymbolicLink(appFile("opt/app/long-target")).toString());
        assertEquals(0, Files.size(appFile("opt/app/empty")));
    }

    /**
     * Lost entries without content (a symlink, a hard link, a sticky dir, a PAX-long symlink, an
     * empty file, an owned dir with a file in it) are recreated from the app store's tar as it
     * records them, in the same heal as the lost file; nothing is removed.
     */
    @Test
    void lostEntriesWithoutContentAreRecreatedAsTheTarRecordsThem() throws Exception {
        Object busyboxInode = loseEntriesWithoutContent();
        Files.delete(appFile("home/app/.profile"));
        Files.delete(appFile("home/app"));
        // the blob fails its proof: nothing at all appears in the layer, not even the lost directory
        tars.corrupt = true;
        HealLayerFiles app = Planner.plan(deepCheck(), new Planner.Options(false, Map.of(), Optional.of(tars))).actions()
                .stream().filter(a -> a instanceof HealLayerFiles h && h.entries().contains("home/app"))
                .map(a -> (HealLayerFiles) a).findFirst().orElseThrow();
        assertEquals(List.of("home/app/.profile"), app.files(), "the file in the lost directory is healed in the same action");
        ApplyContext ctx = new ApplyContext(new RootedFs(root), tmp.resolve("state"), Optional.of(tars));
        assertThrows(IOException.class, () -> app.apply(ctx));
        assertFalse(Files.exists(appFile("home/app"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        try (var s = Files.list(appFile(""))) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith(".dockfsck-heal-")), "no temp left");
        }
        tars.corrupt = false;
        Report before = deepCheck();
        assertEquals(2, before.findings(dev.dockfsck.checker.FindingCode.LAYER_ENTRY_MISMATCH).size(), before.findings().toString());
        Plan plan = Planner.plan(before, new Planner.Options(false, Map.of(), Optional.of(tars)));
        List<HealLayerFiles> heals = plan.actions().stream().filter(a -> a instanceof HealLayerFiles)
                .map(a -> (HealLayerFiles) a).toList();
        assertEquals(2, heals.size(), plan.actions().toString());
        assertTrue(plan.actions().stream().noneMatch(a -> a instanceof RemoveLayer || a instanceof RemovePath
                || a instanceof RecordPendingRestore), "nothing is removed: " + plan.actions());
        assertEquals(List.of(List.of("bin/ls", "bin/sh", "tmp"), List.of("home/app", "opt/app/empty", "opt/app/long-target")),
                heals.stream().map(h -> h.entries().stream().sorted().toList()).sorted((x, y) -> x.get(0).compareTo(y.get(0))).toList());
        apply(plan);
        Report after = deepCheck();
        assertTrue(after.clean(), after.findings().toString());
        assertEntriesWithoutContentBack(busyboxInode);
        assertEquals(1000, Files.getAttribute(appFile("home/app"), "unix:uid"));
        assertEquals(0750, (int) Files.getAttribute(appFile("home/app"), "unix:mode") & 07777);
        assertEquals("export A=1\n", Files.readString(appFile("home/app/.profile")));

        // a second run (a resume after a crash) finds everything in place and changes nothing
        apply(plan);
        assertTrue(deepCheck().clean());
    }

    /**
     * No app store: lost entries without content are made from the layer's own tar-split, whose
     * headers the deep check proved (PAX long link target included); nothing is removed.
     */
    @Test
    void withoutAnAppStoreLostEntriesAreRecreatedFromTheTarSplit() throws Exception {
        Object busyboxInode = loseEntriesWithoutContent();
        Files.delete(appFile("opt/app/sticky"));
        Plan plan = Planner.plan(deepCheck(), new Planner.Options(false, Map.of(), Optional.empty()));
        List<RecreateEntries> made = plan.actions().stream().filter(a -> a instanceof RecreateEntries)
                .map(a -> (RecreateEntries) a).toList();
        assertEquals(2, made.size(), plan.actions().toString());
        assertTrue(plan.actions().stream().noneMatch(a -> a instanceof RemoveLayer || a instanceof RemovePath
                || a instanceof RecordPendingRestore || a instanceof HealLayerFiles), "nothing is removed: " + plan.actions());
        apply(plan);
        assertEquals(0, tars.opened, "no app store was read");
        Report after = deepCheck();
        assertTrue(after.clean(), after.findings().toString());
        assertEntriesWithoutContentBack(busyboxInode);
        assertEquals(01777, (int) Files.getAttribute(appFile("opt/app/sticky"), "unix:mode") & 07777);
        apply(plan); // a resume changes nothing
        assertTrue(deepCheck().clean());
    }

    @Test
    void withoutAnAppStoreContentDamageStillRemovesTheLayer() throws Exception {
        Files.delete(baseFile("bin/sh"));
        Files.writeString(baseFile("etc/group"), "x");
        Plan plan = Planner.plan(deepCheck(), new Planner.Options(true, Map.of(), Optional.empty()));
        assertTrue(plan.actions().stream().noneMatch(a -> a instanceof RecreateEntries || a instanceof HealLayerFiles),
                plan.actions().toString());
        assertTrue(plan.actions().stream().anyMatch(a -> a instanceof RemoveLayer));
    }

    @Test
    void aLostFifoCannotBeRecreatedFromJava() throws Exception {
        Files.delete(appFile("opt/app/fifo"));
        Plan plan = Planner.plan(deepCheck(), new Planner.Options(true, Map.of(), Optional.of(tars)));
        assertTrue(plan.actions().stream().noneMatch(a -> a instanceof HealLayerFiles), plan.actions().toString());
        assertTrue(plan.actions().stream().anyMatch(a -> a instanceof RemoveLayer));
    }

    @Test
    void aRepairWhoseHealCannotBeProvenGoesOnAndReportsTheDamageLeft() throws Exception {
        Files.write(baseFile("bin/busybox"), new byte[0], StandardOpenOption.TRUNCATE_EXISTING);
        tars.corrupt = true;
        java.util.List<String> notRepaired = new java.util.ArrayList<>();
        dev.dockfsck.repair.Repairer.Listener listener = new dev.dockfsck.repair.Repairer.Listener() {
            @Override
            public void notRepaired(int index, int total, Action action, String why) {
                notRepaired.add(action.getClass().getSimpleName() + ": " + why);
            }
        };
        var result = new dev.dockfsck.repair.Repairer(new dev.dockfsck.repair.Repairer.Options(true, false, false,
                tmp.resolve("state"), 1, Map.of(), TarSplitContentVerifier::new, ContentVerifier.Progress.NONE, listener,
                Optional.of(tars))).run(root);
        assertEquals(1, notRepaired.size(), notRepaired.toString());
        assertTrue(notRepaired.get(0).startsWith("HealLayerFiles: ") && notRepaired.get(0).contains("does not hash"), notRepaired.get(0));
        assertEquals(4, result.exitCode(), "the damage is still there and named");
        assertTrue(result.after().findings().stream().anyMatch(f -> f.code() == FindingCode.LAYER_CONTENT_MISMATCH));
        assertEquals(0, Files.size(baseFile("bin/busybox")), "nothing unproven put in place");
    }

    @Test
    void aBlobThatDoesNotProveItselfChangesNothing() throws Exception {
        Files.write(baseFile("bin/busybox"), new byte[0], StandardOpenOption.TRUNCATE_EXISTING);
        Plan plan = Planner.plan(deepCheck(), new Planner.Options(false, Map.of(), Optional.of(tars)));
        tars.corrupt = true;
        HealLayerFiles heal = (HealLayerFiles) plan.actions().stream().filter(a -> a instanceof HealLayerFiles)
                .findFirst().orElseThrow();
        ApplyContext ctx = new ApplyContext(new RootedFs(root), tmp.resolve("state"), Optional.of(tars));
        IOException e = assertThrows(dev.dockfsck.repair.apply.NotRepairedException.class, () -> heal.apply(ctx));
        assertTrue(e.getMessage().contains("does not hash"), e.getMessage());
        assertEquals(0, Files.size(baseFile("bin/busybox")), "the damaged file was not replaced by unproven bytes");
        try (var s = Files.list(baseFile("bin"))) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith(".dockfsck-heal-")), "no temp left");
        }
    }

    @Test
    void withoutACopyOrForDamageBeyondContentTheLayerIsRemovedInstead() throws Exception {
        Files.delete(baseFile("bin/busybox"));
        Files.createSymbolicLink(baseFile("bin/busybox"), Path.of("/etc/passwd"));
        Plan plan = Planner.plan(deepCheck(), new Planner.Options(true, Map.of(), Optional.of(tars)));
        assertTrue(plan.actions().stream().noneMatch(a -> a instanceof HealLayerFiles), plan.actions().toString());
        assertTrue(plan.actions().stream().anyMatch(a -> a instanceof RemoveLayer));
        assertEquals(0, tars.opened);
    }
}
