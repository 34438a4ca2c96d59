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
import dev.dockfsck.fixtures.image.DockerArchive;
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

    @BeforeEach
    void setUp() throws Exception {
        engine = tmp.resolve("docker");
        StoreBuilder.create(engine, 5).load(SampleSet.images());
        apps = tmp.resolve("apps.tar");
        DockerArchive.write(List.of(SampleSet.image(SampleSet.B), SampleSet.image(SampleSet.C)), apps);
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
