/** Offline repair of a Docker data root, driven only by a checker report (issue: offline repair). */
package dev.dockfsck.repair;
