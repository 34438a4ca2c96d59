package dev.dockfsck.checker.rules;

import dev.dockfsck.checker.CheckContext;

/** A rule about the store as a whole (references, leftovers), run once. */
public interface StoreRule {
    void check(CheckContext ctx);
}
