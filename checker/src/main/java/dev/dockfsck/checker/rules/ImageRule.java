package dev.dockfsck.checker.rules;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.model.image.Image;

/** A rule about one image, run after every layer rule. */
public interface ImageRule {
    void check(Image image, CheckContext ctx);
}
