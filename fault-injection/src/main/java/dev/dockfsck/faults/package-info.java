/** Fault injection: truncated writes and power-cut crash states on stores made by a real dockerd. */
package dev.dockfsck.faults;
