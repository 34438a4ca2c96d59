package dev.dockfsck.repair.restore;

import java.io.Closeable;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/** The few Docker engine calls a restore needs. {@link DockerEngine} talks to a real dockerd. */
public interface Engine extends Closeable {
    /** An image as dockerd reports it. */
    record EngineImage(String id, List<String> layers, List<String> repoTags, String created) {
        public EngineImage {
            layers = List.copyOf(layers);
            repoTags = List.copyOf(repoTags);
        }
    }

    /** What dockerd said about a load: its messages and, if the load failed, its error. */
    record LoadOutcome(List<String> messages, Optional<String> error) {
        public LoadOutcome {
            messages = List.copyOf(messages);
        }
    }

    /** Where the engine is, for messages. */
    String endpoint();

    void ping() throws EngineException;

    /** The image with this ID or name, or empty when dockerd has none. */
    Optional<EngineImage> inspect(String idOrName) throws EngineException;

    /**
     * {@code POST /images/load} with this archive as body; returns once the response body has
     * been read to its end. An upload that fails (the stream throws) is an EngineException.
     */
    LoadOutcome load(InputStream archive) throws EngineException;

    void tag(String imageId, String repository, String tag) throws EngineException;

    @Override
    void close();
}
