/** The picocli entry point of dockfsck. */
package dev.dockfsck.cli;
