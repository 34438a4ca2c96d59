package dev.dockfsck.checker.rules;

import dev.dockfsck.checker.Subject;
import java.util.List;
import java.util.Optional;

/**
 * Who an overlay2 dir belongs to, and what its {@code lower} must be.
 *
 * @param subject       the layer or container the findings are about
 * @param what          how to name the dir in messages ("layer 1a2b3c4d5e6f", "container x init layer")
 * @param expectedLower the lower entries it must hold, uppermost first (empty list: no lower file);
 *                      empty when it cannot be known because of damage reported elsewhere
 */
public record OverlayOwner(Subject subject, String what, Optional<List<String>> expectedLower) {
}
