/**
 * Preen ({@code dockfsck repair --preen}, e2fsck {@code -p}): the part of a repair plan that
 * cannot lose a healthy object, decided per action, and the boot-time run that applies only that.
 */
package dev.dockfsck.repair.preen;
