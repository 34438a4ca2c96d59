package dev.dockfsck.model.image;

import dev.dockfsck.model.Digest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What dockfsck needs of an image config: its layer chain ({@code rootfs.diff_ids}, base first)
 * and platform. The JSON shape itself stays in {@link ImageDbReader}. Immutable; the chainIDs are
 * derived once, when it is made (a check asks for them several times per image, and each is a
 * SHA-256).
 */
public final class ImageConfig {
    private final List<Digest> diffIds;
    private final String os;
    private final String architecture;
    private final List<Digest> chainIds;

    public ImageConfig(List<Digest> diffIds, String os, String architecture) {
        this.diffIds = List.copyOf(diffIds);
        this.os = os;
        this.architecture = architecture;
        List<Digest> chain = new ArrayList<>(this.diffIds.size());
        Digest c = null;
        for (Digest d : this.diffIds) {
            c = Digest.chainId(c, d);
            chain.add(c);
        }
        this.chainIds = List.copyOf(chain);
    }

    /** {@code rootfs.diff_ids}, base first. */
    public List<Digest> diffIds() {
        return diffIds;
    }

    public String os() {
        return os;
    }

    public String architecture() {
        return architecture;
    }

    /** The chainID of every layer of the chain, base first; the last one is the image's top layer. */
    public List<Digest> chainIds() {
        return chainIds;
    }

    /** The chainID of the image's top layer (what a new container is created on); empty without layers. */
    public Optional<Digest> topChainId() {
        return chainIds.isEmpty() ? Optional.empty() : Optional.of(chainIds.get(chainIds.size() - 1));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageConfig c && diffIds.equals(c.diffIds) && Objects.equals(os, c.os)
                && Objects.equals(architecture, c.architecture);
    }

    @Override
    public int hashCode() {
        return Objects.hash(diffIds, os, architecture);
    }

    @Override
    public String toString() {
        return "ImageConfig[diffIds=" + diffIds + ", os=" + os + ", architecture=" + architecture + "]";
    }
}
