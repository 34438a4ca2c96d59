package dev.dockfsck.model.image;

import dev.dockfsck.model.Digest;
import java.util.List;

/**
 * What dockfsck needs of an image config: its layer chain ({@code rootfs.diff_ids}, base first)
 * and platform. The JSON shape itself stays in {@link ImageDbReader}.
 */
public record ImageConfig(List<Digest> diffIds, String os, String architecture) {
    public ImageConfig {
        diffIds = List.copyOf(diffIds);
    }

    /** The chainID of every layer of the chain, base first; the last one is the image's top layer. */
    public List<Digest> chainIds() {
        List<Digest> out = new java.util.ArrayList<>(diffIds.size());
        Digest chain = null;
        for (Digest d : diffIds) {
            chain = Digest.chainId(chain, d);
            out.add(chain);
        }
        return out;
    }

    /** The chainID of the image's top layer (what a new container is created on); empty without layers. */
    public java.util.Optional<Digest> topChainId() {
        List<Digest> chain = chainIds();
        return chain.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(chain.get(chain.size() - 1));
    }
}
