package dev.dockfsck.repair.plan;

import java.util.List;

/**
 * What a repair will do, derived only from a check report: the actions in the order they run,
 * and what it leaves alone and why (kept containers, unfixable findings).
 *
 * @param root    the data root the plan is for (a journal is never replayed on another root)
 * @param actions in order; each idempotent
 * @param kept    one line per damaged object left in place, with the reason
 */
public record Plan(String root, List<Action> actions, List<String> kept) {
    public Plan {
        actions = List.copyOf(actions);
        kept = List.copyOf(kept);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isEmpty() {
        return actions.isEmpty();
    }
}
