package dev.dockfsck.model.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Tags in the form dockerd keys them in repositories.json (reference.FamiliarString). */
class ReferenceTest {
    @Test
    void dockerHubNamesLoseTheirDomainAndLibrary() {
        assertEquals("nginx:1", Reference.familiar("docker.io/library/nginx:1"));
        assertEquals("nginx:1", Reference.familiar("index.docker.io/library/nginx:1"));
        assertEquals("acme/app:2", Reference.familiar("docker.io/acme/app:2"));
        assertEquals("library/a/b:1", Reference.familiar("docker.io/library/a/b:1"));
    }

    @Test
    void otherNamesAreKept() {
        assertEquals("nginx:1", Reference.familiar("nginx:1"));
        assertEquals("hub.example.io/apps/shop:e57e7d0", Reference.familiar("hub.example.io/apps/shop:e57e7d0"));
        assertEquals("localhost:5000/x:1", Reference.familiar("localhost:5000/x:1"));
        assertEquals("docker.iox/a:1", Reference.familiar("docker.iox/a:1"));
    }

    @Test
    void theRepositoryIsTheNameWithoutItsTag() {
        assertEquals("nginx", Reference.repositoryOf("nginx:1"));
        assertEquals("localhost:5000/x", Reference.repositoryOf("localhost:5000/x:1"));
        assertEquals("localhost:5000/x", Reference.repositoryOf("localhost:5000/x"));
    }

    @Test
    void aTagIsRepoColonTag() {
        org.junit.jupiter.api.Assertions.assertTrue(Reference.isTag("localhost:5000/x:1"));
        for (String not : new String[] {"localhost:5000/x", "nginx", "nginx:", "nginx@sha256:" + "a".repeat(64),
                "sha256:" + "a".repeat(64)}) {
            org.junit.jupiter.api.Assertions.assertFalse(Reference.isTag(not), not);
        }
    }
}
