package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.Expect.check;
import static dev.dockfsck.checker.Expect.exactly;
import static dev.dockfsck.checker.Expect.f;
import static dev.dockfsck.checker.Expect.path;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.dockfsck.checker.Expect;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Report;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * ATOMIC_WRITE_LEFTOVER beyond EveryCodeTest's case: every place dockerd 20.10 writes atomically,
 * the bytes a removal frees, and what is not such a leftover (which stays UNEXPECTED_ENTRY or
 * is no finding). A healthy store has none: EveryCodeTest, HealthyBuilderStoreTest, HealthyStoreIT.
 */
class AtomicWriteLeftoverRuleTest {
    @Test
    void everyPlaceDockerdWritesAtomicallyAndTheBytesItHolds() throws Exception {
        EveryCodeTest.S s = new EveryCodeTest.S();
        try {
            String meta = "image/overlay2/imagedb/metadata/sha256/" + s.imageId.hex();
            Files.createDirectories(s.p(meta));
            String dist = "image/overlay2/distribution/diffid-by-digest/sha256";
            Files.createDirectories(s.p(dist));
            Files.createDirectories(s.p("image/overlay2/distribution/v2metadata-by-diffid/sha256"));
            String[] tmps = {meta + "/.tmp-lastUpdated123456789", meta + "/.tmp-parent4",
                    dist + "/.tmp-" + "b".repeat(64) + "1234567890",
                    "overlay2/" + s.ids.layer(s.l0).cacheId() + "/.tmp-link1",
                    "overlay2/" + s.ids.layer(s.l0).cacheId() + "/.tmp-committed22"};
            Expect.F[] expected = new Expect.F[tmps.length];
            for (int i = 0; i < tmps.length; i++) {
                Files.write(s.p(tmps[i]), new byte[100 + i]);
                expected[i] = f(FindingCode.ATOMIC_WRITE_LEFTOVER, path(tmps[i]), tmps[i]);
            }
            Report r = check(s.root);
            exactly(r, expected);
            assertEquals(100L, r.findings().stream().filter(x -> x.subject().equals(path(tmps[0]))).findFirst()
                    .orElseThrow().evidence().get("bytes"));
            assertEquals(5 * 100 + 10, r.summary().bytesReclaimable(), r.summary().toString());
        } finally {
            s.fs.close();
        }
    }

    @Test
    void whatDockerdsWriterDoesNotMakeIsNoSuchLeftover() throws Exception {
        EveryCodeTest.S s = new EveryCodeTest.S();
        try {
            String content = "image/overlay2/imagedb/content/sha256/";
            // a link or a dir named like a temp file: not what AtomicWriteFile makes; in the content dir a stray
            Files.createSymbolicLink(s.p(content + ".tmp-" + s.imageId.hex() + "1"), s.p(s.ir()));
            Files.createDirectories(s.p(content + ".tmp-" + s.imageId.hex() + "2"));
            // names without the random part, or of files dockerd does not write atomically there: ignored as before
            Files.writeString(s.p("image/overlay2/.tmp-repositories.json"), "{}");
            Files.writeString(s.p("containers/" + s.c.id() + "/.tmp-resolv.conf12"), "x");
            Report r = check(s.root);
            exactly(r, f(FindingCode.UNEXPECTED_ENTRY, path(content + ".tmp-" + s.imageId.hex() + "1"), content + ".tmp-" + s.imageId.hex() + "1"),
                    f(FindingCode.UNEXPECTED_ENTRY, path(content + ".tmp-" + s.imageId.hex() + "2"), content + ".tmp-" + s.imageId.hex() + "2"));
        } finally {
            s.fs.close();
        }
    }
}
