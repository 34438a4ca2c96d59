package dev.dockfsck.checker.it;

import static dev.dockfsck.checker.Expect.check;
import static dev.dockfsck.checker.Expect.exactly;
import static dev.dockfsck.checker.Expect.f;
import static dev.dockfsck.checker.Expect.image;
import static dev.dockfsck.checker.Expect.layer;
import static dev.dockfsck.checker.FindingCode.CONTAINER_CONFIG_INVALID;
import static dev.dockfsck.checker.FindingCode.CONTAINER_LAYER_MISSING;
import static dev.dockfsck.checker.FindingCode.IMAGE_LAYER_MISSING;
import static dev.dockfsck.checker.FindingCode.LAYER_FILE_INVALID;
import static dev.dockfsck.checker.FindingCode.OVERLAY_LINK_INVALID;
import static dev.dockfsck.checker.FindingCode.OVERLAY_LOWER_INVALID;
import static dev.dockfsck.checker.FindingCode.OVERLAY_SYMLINK_WRONG;
import static dev.dockfsck.checker.it.GoldenCopy.APP;
import static dev.dockfsck.checker.it.GoldenCopy.EMPTY;
import static dev.dockfsck.checker.it.GoldenCopy.IMG_A;
import static dev.dockfsck.checker.it.GoldenCopy.IMG_B;
import static dev.dockfsck.checker.it.GoldenCopy.PATCH;
import static dev.dockfsck.checker.it.GoldenCopy.SMALL;
import static dev.dockfsck.checker.it.GoldenCopy.imageRel;
import static dev.dockfsck.checker.it.GoldenCopy.layerRel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dockfsck.checker.Severity;
import dev.dockfsck.fixtures.dockerd.Dockerd;
import dev.dockfsck.fixtures.image.SampleSet;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the checker says about a damaged copy of the golden store, next to what the real dockerd
 * then does with that copy: the finding is there exactly when dockerd (or a container) suffers,
 * and the consequence the docs promise is the one dockerd shows.
 */
class DockerdAgreesIT {
    @TempDir
    Path tmp;

    @Test
    void badSizeNewlineLinkAndMissingInitId() throws Exception {
        GoldenCopy g = GoldenCopy.at(tmp.resolve("root"));
        Files.writeString(g.layerDir(SMALL).resolve("size"), "15\n");
        Files.write(g.overlayDir(PATCH).resolve("link"), new byte[0]);
        Files.delete(g.root.resolve(g.mountsRel() + "/init-id"));
        String rwLink = "overlay2/" + g.mountId() + "/link";
        Files.write(g.root.resolve(rwLink), new byte[0]);
        exactly(check(g.root),
                f(OVERLAY_LINK_INVALID, Severity.WARNING, g.ctr(), rwLink),
                f(LAYER_FILE_INVALID, layer(SMALL), layerRel(SMALL) + "/size", image(IMG_B)),
                f(IMAGE_LAYER_MISSING, image(IMG_B), imageRel(IMG_B), image(IMG_B)),
                // A's top layer: new containers of A are broken, the container created before is not
                f(OVERLAY_LINK_INVALID, layer(PATCH), g.overlayRel(PATCH) + "/link", image(IMG_A)));

        try (Dockerd d = Dockerd.start(tmp.resolve("work"), g.root)) {
            String images = d.dockerOk("images", "--format", "{{.Repository}}:{{.Tag}}");
            // size "15\n": dockerd's GetSize fails, the layer is skipped, image B is not restored
            assertFalse(images.contains(SampleSet.B), images);
            assertTrue(images.contains(SampleSet.A) && images.contains(SampleSet.C), images);
            // no init-id: dockerd reads it as "no init layer", the container still runs; so it does
            // with an empty link in its RW dir (nothing is ever created on that dir)
            assertEquals("hi", d.dockerOk("start", "-a", "golden-ctr").strip());
            // empty link on A's top layer: a new container on A silently lacks the layer's files
            // and sees overlay2/l/'s symlinks instead
            Dockerd.Result r = d.docker("run", "--rm", "--network", "none", SampleSet.A, "sh", "-c",
                    "ls /; cat /etc/app.conf");
            assertFalse(r.stdout().contains("patched=1"), r.toString());
            assertTrue(r.stdout().lines().anyMatch(l -> l.matches("[A-Z0-9]{26}")), r.toString());
        }
    }

    /**
     * An empty link and an empty lower in a middle layer of image A (and C): dockerd reads a layer's
     * link and lower only when it creates something directly on it, so existing containers and new
     * containers of A and C (created on their top layers) are untouched; only what is registered
     * on the middle layer from now on would be broken. The report names the damage and affects nothing.
     */
    @Test
    void emptyLinkAndLowerOfAMiddleLayerSpoilNothingThatExists() throws Exception {
        GoldenCopy g = GoldenCopy.at(tmp.resolve("root"));
        Files.write(g.overlayDir(APP).resolve("link"), new byte[0]);
        Files.write(g.overlayDir(APP).resolve("lower"), new byte[0]);
        exactly(check(g.root),
                f(OVERLAY_LINK_INVALID, layer(APP), g.overlayRel(APP) + "/link"),
                f(OVERLAY_LOWER_INVALID, layer(APP), g.overlayRel(APP) + "/lower"));

        try (Dockerd d = Dockerd.start(tmp.resolve("work"), g.root)) {
            String images = d.dockerOk("images", "--format", "{{.Repository}}:{{.Tag}}");
            assertTrue(images.contains(SampleSet.A) && images.contains(SampleSet.B) && images.contains(SampleSet.C), images);
            assertEquals("hi", d.dockerOk("start", "-a", "golden-ctr").strip());
            // a new container of A sees all of A's layers: the app layer's file and the patch
            String a = d.dockerOk("run", "--rm", "--network", "none", SampleSet.A, "sh", "-c", "cat /etc/app.conf");
            assertTrue(a.contains("patched=1"), a);
            assertEquals("c-ok", d.dockerOk("run", "--rm", "--network", "none", SampleSet.C, "sh", "-c", "echo c-ok").strip());
        }
    }

    /**
     * hostconfig.json cut off: dockerd does not load the container (it is gone from docker ps -a);
     * the check says so. Without the file dockerd loads it with the defaults: no finding.
     */
    @Test
    void cutOffHostConfigLosesTheContainerAMissingOneDoesNot() throws Exception {
        GoldenCopy g = GoldenCopy.at(tmp.resolve("root"));
        Path host = g.root.resolve(g.containerDirRel()).resolve("hostconfig.json");
        byte[] good = Files.readAllBytes(host);
        Files.write(host, java.util.Arrays.copyOf(good, good.length - 3));
        exactly(check(g.root), f(CONTAINER_CONFIG_INVALID, g.ctr(), g.containerDirRel() + "/hostconfig.json", g.ctr()));
        try (Dockerd d = Dockerd.start(tmp.resolve("work"), g.root)) {
            String all = d.dockerOk("ps", "-a", "--format", "{{.Names}}");
            assertFalse(all.contains("golden-ctr"), all);
        }
        Files.delete(host);
        exactly(check(g.root));
        try (Dockerd d = Dockerd.start(tmp.resolve("work2"), g.root)) {
            String all = d.dockerOk("ps", "-a", "--format", "{{.Names}}");
            assertTrue(all.contains("golden-ctr"), all);
        }
    }

    /**
     * The container's mount record without its {@code parent}: dockerd reads that as "no parent"
     * and still starts the container (its RW dir's {@code lower} names the image's layers), so the
     * check finds nothing, and does not take the init layer's {@code lower} for wrong either (a
     * repair that removed it would start the container without its image). An emptied
     * {@code parent} is another matter: dockerd cannot load the container's mount and drops it.
     */
    @Test
    void aLostMountParentIsNoDamageAnEmptyOneLosesTheContainer() throws Exception {
        GoldenCopy g = GoldenCopy.at(tmp.resolve("root"));
        Path parent = g.root.resolve(g.mountsRel() + "/parent");
        byte[] good = Files.readAllBytes(parent);
        Files.delete(parent);
        exactly(check(g.root));
        try (Dockerd d = Dockerd.start(tmp.resolve("work"), g.root)) {
            Dockerd.Result r = d.docker("start", "-a", "golden-ctr");
            assertTrue(r.ok(), r.stderr());
            assertEquals("hi\n", r.stdout());
        }
        Files.write(parent, new byte[0]);
        exactly(check(g.root), f(CONTAINER_LAYER_MISSING, g.ctr(), g.mountsRel() + "/parent", g.ctr()));
        try (Dockerd d = Dockerd.start(tmp.resolve("work2"), g.root)) {
            String all = d.dockerOk("ps", "-a", "--format", "{{.Names}}");
            assertFalse(all.contains("golden-ctr"), all);
        }
        Files.write(parent, good);
    }

    /**
     * The l/ entry of B's top layer pointing into B's empty middle layer: dockerd still lists B,
     * but no container of B can mount it any more (overlayfs refuses a lower dir given twice).
     */
    @Test
    void aShortLinkPointingIntoAnotherDirGivesContainersTheWrongFiles() throws Exception {
        GoldenCopy g = GoldenCopy.at(tmp.resolve("root"));
        String link = g.link(SMALL);
        Path l = g.root.resolve("overlay2/l/" + link);
        Files.delete(l);
        Files.createSymbolicLink(l, Path.of("../" + g.cacheId(EMPTY) + "/diff"));
        exactly(check(g.root), f(OVERLAY_SYMLINK_WRONG, layer(SMALL), "overlay2/l/" + link, image(IMG_B)),
                f(IMAGE_LAYER_MISSING, image(IMG_B), imageRel(IMG_B), image(IMG_B)));
        try (Dockerd d = Dockerd.start(tmp.resolve("work"), g.root)) {
            String images = d.dockerOk("images", "--format", "{{.Repository}}:{{.Tag}}");
            assertTrue(images.contains(SampleSet.B), "dockerd does not drop B: " + images);
            Dockerd.Result r = d.docker("run", "--rm", "--network", "none", SampleSet.B, "cat", "/srv/index.html");
            assertFalse(r.ok(), r.toString());
            assertTrue(r.stderr().contains("error creating overlay mount") && r.stderr().contains("too many levels of symbolic links"),
                    r.toString());
        }
    }

    /** dockerd decodes repositories.json with Go's case-blind field matching: a lowercase key is the same store. */
    @Test
    void aLowercaseRepositoriesKeyIsReadAsDockerdReadsIt() throws Exception {
        GoldenCopy g = GoldenCopy.at(tmp.resolve("root"));
        String json = Files.readString(g.repositories());
        assertTrue(json.startsWith("{\"Repositories\":"), json);
        Files.writeString(g.repositories(), "{\"repositories\":" + json.substring("{\"Repositories\":".length()));
        exactly(check(g.root));
        try (Dockerd d = Dockerd.start(tmp.resolve("work"), g.root)) {
            String images = d.dockerOk("images", "--format", "{{.Repository}}:{{.Tag}}");
            assertTrue(images.contains(SampleSet.A) && images.contains(SampleSet.B) && images.contains(SampleSet.C), images);
        }
    }

    @Test
    void rwDirWithoutWorkAndANegativeSize() throws Exception {
        GoldenCopy g = GoldenCopy.at(tmp.resolve("root"));
        String work = "overlay2/" + g.mountId() + "/work";
        GoldenCopy.rmTree(g.root.resolve(work));
        Files.writeString(g.layerDir(SMALL).resolve("size"), "-5");
        exactly(check(g.root), f(CONTAINER_LAYER_MISSING, g.ctr(), work, g.ctr()));

        try (Dockerd d = Dockerd.start(tmp.resolve("work"), g.root)) {
            Dockerd.Result start = d.docker("start", "-a", "golden-ctr");
            assertFalse(start.ok(), start.toString());
            assertTrue(start.stderr().contains("error creating overlay mount") && start.stderr().contains("no such file"),
                    start.toString());
            // a negative size is taken as it is: image B loads and runs
            assertEquals("b-ok", d.dockerOk("run", "--rm", "--network", "none", SampleSet.B, "sh", "-c", "echo b-ok")
                    .strip());
        }
    }
}
