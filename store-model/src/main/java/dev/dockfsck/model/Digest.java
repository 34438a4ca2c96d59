package dev.dockfsck.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.Optional;

/**
 * A content digest as the Docker store writes it: {@code sha256:} followed by 64 lowercase hex
 * characters. Validated once, at construction; a {@code Digest} is therefore always safe to use
 * as a path component (no separators, no {@code ..}).
 */
public final class Digest implements Comparable<Digest> {
    public static final String ALGORITHM = "sha256";
    private static final String PREFIX = ALGORITHM + ":";

    private final String hex;

    private Digest(String hex) {
        this.hex = hex;
    }

    /** Parses {@code sha256:<64 hex>}; throws {@link IllegalArgumentException} naming the bad input. */
    public static Digest parse(String text) {
        return tryParse(text).orElseThrow(() -> new IllegalArgumentException(
                "not a sha256 digest: " + Texts.quote(text)));
    }

    /** Parses {@code sha256:<64 hex>}, or empty when it is anything else. */
    public static Optional<Digest> tryParse(String text) {
        if (text == null || !text.startsWith(PREFIX)) {
            return Optional.empty();
        }
        return tryOfHex(text.substring(PREFIX.length()));
    }

    /** A digest from its 64 lowercase hex characters (as used in directory names). */
    public static Digest ofHex(String hex) {
        return tryOfHex(hex).orElseThrow(() -> new IllegalArgumentException(
                "not 64 lowercase hex characters: " + Texts.quote(hex)));
    }

    public static Optional<Digest> tryOfHex(String hex) {
        return isHex64(hex) ? Optional.of(new Digest(hex)) : Optional.empty();
    }

    /** True for exactly 64 lowercase hex characters, the form of every id in the store. */
    public static boolean isHex64(CharSequence s) {
        if (s == null || s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    public static Digest sha256Of(byte[] bytes) {
        return ofRawSha256(newSha256().digest(bytes));
    }

    public static Digest ofRawSha256(byte[] raw) {
        if (raw.length != 32) {
            throw new IllegalArgumentException("sha256 is 32 bytes, got " + raw.length);
        }
        return new Digest(Texts.hex(raw));
    }

    public static MessageDigest newSha256() {
        MessageDigest proto = Sha256Prototype.PROTOTYPE;
        if (proto != null) {
            try {
                // a copy of a fresh instance: getInstance looks the algorithm up in the providers
                // each time (a chainID per layer is a thousand look-ups for a 1000-layer store)
                return (MessageDigest) proto.clone();
            } catch (CloneNotSupportedException e) {
                // the provider's digests cannot be copied: look it up
            }
        }
        return lookUpSha256();
    }

    private static MessageDigest lookUpSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** A SHA-256 never updated, only copied (on first use: reading digests needs no provider). */
    private static final class Sha256Prototype {
        static final MessageDigest PROTOTYPE = make();

        private static MessageDigest make() {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                return null; // newSha256 then says why
            }
        }
    }

    /**
     * The chainID of a layer: {@code ChainID(L1) = DiffID(L1)};
     * {@code ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln))}.
     */
    public static Digest chainId(Digest parentChainId, Digest diffId) {
        Objects.requireNonNull(diffId, "diffId");
        if (parentChainId == null) {
            return diffId;
        }
        return sha256Of((parentChainId + " " + diffId).getBytes(StandardCharsets.US_ASCII));
    }

    public String hex() {
        return hex;
    }

    /** The first 12 hex characters, as docker prints short ids. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public String toString() {
        return PREFIX + hex;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && d.hex.equals(hex);
    }

    @Override
    public int hashCode() {
        return hex.hashCode();
    }

    @Override
    public int compareTo(Digest o) {
        return hex.compareTo(o.hex);
    }
}
