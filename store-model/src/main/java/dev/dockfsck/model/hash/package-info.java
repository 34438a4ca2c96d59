/**
 * SHA-256 at the speed of the machine: libcrypto through the JDK's foreign-function API when the
 * JVM allows it, the JDK's own MessageDigest otherwise (docs/java-on-the-store.md).
 */
package dev.dockfsck.model.hash;
