package dev.dockfsck.checker.rules;

import static dev.dockfsck.checker.CheckContext.evidence;

import dev.dockfsck.checker.CheckContext;
import dev.dockfsck.checker.Finding;
import dev.dockfsck.checker.FindingCode;
import dev.dockfsck.checker.Subject;
import dev.dockfsck.model.appstore.AppStore;
import dev.dockfsck.model.appstore.AppStoreFinding;

/**
 * {@code APPSTORE_*}: what the app store model found wrong with the restorable app store (missing
 * or corrupt blobs, bad indexes, refused paths), as findings of the same report. Subject: the
 * store path ({@code appstore:<path in the store>}); the images it keeps from being restored are
 * in the evidence.
 */
public final class AppStoreRule {
    public void check(AppStore store, CheckContext ctx) {
        for (AppStoreFinding f : store.findings()) {
            String where = "appstore:" + (f.path().isEmpty() ? store.root().toString() : f.path());
            ctx.add(Finding.of(FindingCode.of(f.code()), Subject.path(where), where, f.message(),
                    evidence("store", store.root().toString(), "blob", f.blob(), "images", f.images(),
                            "apps", f.apps())));
        }
    }
}
