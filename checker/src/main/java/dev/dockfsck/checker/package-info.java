/** The checker: one walk of a {@link dev.dockfsck.model.store.DataRoot} in dependency order, one report. */
package dev.dockfsck.checker;
