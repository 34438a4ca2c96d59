package dev.dockfsck.checker.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dockfsck.checker.Checker;
import dev.dockfsck.checker.ContentVerifier;
import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Report;
import dev.dockfsck.checker.Severity;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.fixtures.image.BuiltImage;
import dev.dockfsck.fixtures.image.DockerArchive;
import dev.dockfsck.fixtures.image.ImageSpec;
import dev.dockfsck.fixtures.image.SampleSet;
import dev.dockfsck.fixtures.store.StoreBuilder;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.store.DataRootReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * REFERENCE_LOST on an engine store written as dockerd writes it, against an app store (a docker
 * archive of sample-b and sample-c, named as the engine names them).
 */
class ReferenceLostRuleTest {
    @TempDir
    Path tmp;
    Path engine;
    Path apps;
    StoreBuilder builder;

    @BeforeEach
    void setUp() throws Exception {
        engine = tmp.resolve("docker");
        builder = StoreBuilder.create(engine, 5);
        builder.load(SampleSet.images());
        apps = tmp.resolve("apps.tar");
        DockerArchive.write(List.of(SampleSet.image(SampleSet.B), SampleSet.image(SampleSet.C)), apps);
    }

    /** The app store under its own short names (host/repo:<7 hex>), which a docker-load device never held. */
    private void appStoreUnderShortNames() throws Exception {
        Files.delete(apps);
        List<BuiltImage> renamed = new java.util.ArrayList<>();
        for (String tag : List.of(SampleSet.B, SampleSet.C)) {
            BuiltImage img = SampleSet.image(tag);
            ImageSpec s = img.spec();
            String shortTag = "hub.example.io/" + tag.substring(0, tag.lastIndexOf(':')) + ":" + img.imageId().hex().substring(0, 7);
            renamed.add(new BuiltImage(new ImageSpec(List.of(shortTag), s.layers(), s.cmd(), s.env(), s.labels(),
                    s.workingDir(), s.created()), img.config(), img.layers()));
        }
        DockerArchive.write(renamed, apps);
    }

    private Report check(boolean withApps) throws Exception {
        try (AppStore s = AppStore.open(apps)) {
            return new Checker(null).check(DataRootReader.read(engine), new Checker.Options(false, Optional.empty(), 1,
                    ContentVerifier.Progress.NONE, withApps ? Optional.of(s) : Optional.empty()));
        }
    }

    private List<Finding> lost(Report r) {
        return r.findings().stream().filter(f -> f.code() == FindingCode.REFERENCE_LOST).toList();
    }

    private void untag(String tag) throws Exception {
        Path p = engine.resolve("image/overlay2/repositories.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode doc = (ObjectNode) json.readTree(p.toFile());
        doc.with("Repositories").fields().forEachRemaining(e -> ((ObjectNode) e.getValue()).remove(tag));
        Files.write(p, json.writeValueAsBytes(doc));
    }

    @Test
    void aHealthyEngineHasEveryTagTheAppStoreNames() throws Exception {
        Report r = check(true);
        assertEquals(List.of(), lost(r));
        assertTrue(r.clean(), r.findings().toString());
    }

    @Test
    void appStoreNamesTheEngineNeverHeldAreNotLostWhenTheImageHasItsOwnTags() throws Exception {
        appStoreUnderShortNames();
        Report r = check(true);
        assertEquals(List.of(), lost(r));
        assertTrue(r.clean(), r.findings().toString());
    }

    @Test
    void anUntaggedImageGetsTheAppStoresShortNameAsLost() throws Exception {
        appStoreUnderShortNames();
        untag(SampleSet.B);
        List<Finding> fs = lost(check(true));
        assertEquals(1, fs.size(), fs.toString());
        BuiltImage b = SampleSet.image(SampleSet.B);
        assertEquals("hub.example.io/dockfsck/sample-b:" + b.imageId().hex().substring(0, 7), fs.get(0).subject().id());
        assertEquals("untagged", fs.get(0).evidence().get("evidence"));
        assertEquals(b.imageId().toString(), fs.get(0).evidence().get("image"));
    }

    @Test
    void aTagAContainerWasCreatedFromIsLostEvenWhenTheImageHasOtherNames() throws Exception {
        var cid = builder.createContainer(SampleSet.B, "web");
        builder.flush();
        appStoreUnderShortNames();
        // docker tag B extra:1 before the container, then a repositories.json without B's own tag
        Path p = engine.resolve("image/overlay2/repositories.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode doc = (ObjectNode) json.readTree(p.toFile());
        doc.with("Repositories").putObject("extra").put("extra:1", SampleSet.image(SampleSet.B).imageId().toString());
        Files.write(p, json.writeValueAsBytes(doc));
        untag(SampleSet.B);
        List<Finding> fs = lost(check(true));
        assertEquals(List.of(Subject.reference(SampleSet.B)), fs.stream().map(Finding::subject).toList(), fs.toString());
        assertEquals("container", fs.get(0).evidence().get("evidence"));
        assertEquals(cid.id(), fs.get(0).evidence().get("container"));
        assertEquals(SampleSet.image(SampleSet.B).imageId().toString(), fs.get(0).evidence().get("image"));
    }

    @Test
    void aContainersTagThatNowNamesAnotherImageIsNotLost() throws Exception {
        builder.createContainer(SampleSet.B, "web");
        builder.flush();
        // docker tag C dockfsck/sample-b:1: the tag moved on, the container keeps its image
        Path p = engine.resolve("image/overlay2/repositories.json");
        ObjectMapper json = new ObjectMapper();
        ObjectNode doc = (ObjectNode) json.readTree(p.toFile());
        ((ObjectNode) doc.with("Repositories").get("dockfsck/sample-b")).put(SampleSet.B, SampleSet.image(SampleSet.C).imageId().toString());
        Files.write(p, json.writeValueAsBytes(doc));
        assertEquals(List.of(), lost(check(true)));
    }

    @Test
    void aTagLostAfterTheImageWasStoredIsNamed() throws Exception {
        untag(SampleSet.B);
        Report r = check(true);
        List<Finding> fs = lost(r);
        assertEquals(1, fs.size(), fs.toString());
        Finding f = fs.get(0);
        assertEquals(Subject.reference(SampleSet.B), f.subject());
        assertEquals(Severity.ERROR, f.severity());
        assertEquals(SampleSet.image(SampleSet.B).imageId().toString(), f.evidence().get("image"));
        assertEquals("image/overlay2/repositories.json", f.path());
        assertEquals(List.of(), f.affects(), "a lost tag makes no layer or container unusable");
        // without the app store nothing says the engine should have that tag
        assertEquals(List.of(), lost(check(false)));
    }

    @Test
    void aLostRepositoriesFileLosesEveryAppTagButTheEngineOnlyImageIsNotNamed() throws Exception {
        Files.delete(engine.resolve("image/overlay2/repositories.json"));
        assertEquals(List.of(Subject.reference(SampleSet.B), Subject.reference(SampleSet.C)),
                lost(check(true)).stream().map(Finding::subject).sorted(java.util.Comparator.comparing(Subject::toString)).toList());
    }

    @Test
    void anUnreadableRepositoriesFileIsItsOwnFindingNotThis() throws Exception {
        Files.write(engine.resolve("image/overlay2/repositories.json"), new byte[0]);
        Report r = check(true);
        assertEquals(List.of(), lost(r));
        assertTrue(r.findings().stream().anyMatch(f -> f.code() == FindingCode.REPOSITORIES_INVALID));
    }
}
