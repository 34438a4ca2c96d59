package dev.dockfsck.checker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/findings.md is the contract for finding codes: every code is documented with its consequence. */
class FindingCodeDocsTest {
    @Test
    void everyCodeIsDocumentedWithItsSeverityAndConsequence() throws Exception {
        Path docs = Path.of("..", "docs", "findings.md");
        String text = Files.readString(docs);
        for (FindingCode c : FindingCode.values()) {
            String damaging = !c.damaging() ? "no | " : c.reach() == FindingCode.Reach.CREATED_ON_IT ? "for what is created on it" : "yes | ";
            String row = "| `" + c.name() + "` | " + c.severity().label() + " | " + damaging;
            assertTrue(text.contains(row), "docs/findings.md lacks or misstates " + c.name());
            assertTrue(!c.consequence().isBlank(), c.name() + " has no consequence");
        }
    }
}
