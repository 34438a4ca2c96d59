package dev.dockfsck.repair.restore;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.LoadResponseItem;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** {@link Engine} over docker-java (httpclient5 transport). */
public final class DockerEngine implements Engine {
    private final DockerClient client;
    private final String host;

    private DockerEngine(DockerClient client, String host) {
        this.client = client;
        this.host = host;
    }

    /**
     * A client for the engine at {@code host} ({@code unix:///var/run/docker.sock},
     * {@code tcp://...}). Nothing is sent yet; call {@link #ping()} to see it is there.
     */
    public static DockerEngine connect(String host) throws EngineException {
        try {
            DockerClientConfig cfg = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(host).build();
            ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
                    .dockerHost(cfg.getDockerHost())
                    .sslConfig(cfg.getSSLConfig())
                    .connectionTimeout(Duration.ofSeconds(10))
                    .responseTimeout(Duration.ofHours(2))
                    .maxConnections(8)
                    .build();
            return new DockerEngine(DockerClientImpl.getInstance(cfg, http), host);
        } catch (RuntimeException e) {
            throw new EngineException("invalid Docker engine address " + host + ": " + message(e), e);
        }
    }

    /** The docker-java client, for callers that need more than this interface. */
    public DockerClient client() {
        return client;
    }

    @Override
    public String endpoint() {
        return host;
    }

    static String message(Throwable e) {
        Throwable t = e;
        String m = null;
        while (t != null) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                m = t.getMessage();
                if (!(t instanceof RuntimeException) || t.getCause() == null) {
                    break;
                }
            }
            t = t.getCause();
        }
        if (m == null) {
            m = e.getClass().getSimpleName();
        }
        m = m.strip();
        // docker-java puts the JSON body in the message: {"message":"..."}
        int i = m.indexOf("{\"message\":\"");
        if (i >= 0) {
            int end = m.lastIndexOf("\"}");
            if (end > i) {
                m = m.substring(0, i) + m.substring(i + 12, end).replace("\\\"", "\"");
            }
        }
        return m;
    }

    /** A failure to talk to the engine at all (an I/O error below HTTP), not an answer from it. */
    static boolean connectionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof DockerException) {
                return false;
            }
            if (t instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    private EngineException loadFailure(Throwable e) {
        if (connectionFailure(e)) {
            return new EngineException("the Docker engine at " + host + " went away during the load: " + message(e), e, true);
        }
        return new EngineException("the load to the Docker engine at " + host + " failed: " + message(e), e);
    }

    @Override
    public void ping() throws EngineException {
        try {
            client.pingCmd().exec();
        } catch (RuntimeException e) {
            throw new EngineException("the Docker engine at " + host + " is not reachable: " + message(e), e, true);
        }
    }

    @Override
    public Optional<EngineImage> inspect(String idOrName) throws EngineException {
        try {
            InspectImageResponse r = client.inspectImageCmd(idOrName).exec();
            List<String> layers = r.getRootFS() == null || r.getRootFS().getLayers() == null ? List.of() : r.getRootFS().getLayers();
            return Optional.of(new EngineImage(r.getId(), layers, r.getRepoTags() == null ? List.of() : r.getRepoTags(),
                    r.getCreated() == null ? "" : r.getCreated()));
        } catch (NotFoundException e) {
            return Optional.empty();
        } catch (RuntimeException e) {
            if (connectionFailure(e)) {
                throw new EngineException("the Docker engine at " + host + " is not reachable: " + message(e), e, true);
            }
            throw new EngineException("the Docker engine at " + host + " failed to inspect " + idOrName + ": " + message(e), e);
        }
    }

    @Override
    public LoadOutcome load(InputStream archive) throws EngineException {
        List<String> messages = new ArrayList<>();
        AtomicReference<String> error = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // our own latch: docker-java's awaitCompletion(timeout) closes the callback (and so aborts
        // the request) when it returns, whether the load is done or not
        CountDownLatch done = new CountDownLatch(1);
        ResultCallback.Adapter<LoadResponseItem> cb = new ResultCallback.Adapter<>() {
            @Override
            @SuppressWarnings("deprecation") // "error" is deprecated in the API but dockerd 20.10 still sends it
            public void onNext(LoadResponseItem item) {
                if (item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null) {
                    error.compareAndSet(null, item.getErrorDetail().getMessage());
                } else if (item.getError() != null) {
                    error.compareAndSet(null, item.getError());
                } else if (item.getStream() != null && !item.getStream().isBlank()) {
                    synchronized (messages) {
                        messages.add(item.getStream().strip());
                    }
                }
            }

            @Override
            public void onError(Throwable t) {
                failure.compareAndSet(null, t);
                done.countDown();
            }

            @Override
            public void onComplete() {
                done.countDown();
            }
        };
        // the thread that sends the body is docker-java's stream thread: if it dies of an Error,
        // docker-java never completes the callback, so watch it instead of waiting forever
        AtomicReference<Thread> sender = new AtomicReference<>();
        InputStream watched = new FilterInputStream(archive) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                sender.compareAndSet(null, Thread.currentThread());
                return super.read(b, off, len);
            }

            @Override
            public int read() throws IOException {
                sender.compareAndSet(null, Thread.currentThread());
                return super.read();
            }
        };
        try {
            client.loadImageAsyncCmd(watched).exec(cb);
            while (!done.await(1, TimeUnit.SECONDS)) {
                Thread t = sender.get();
                if (t != null && !t.isAlive() && !done.await(2, TimeUnit.SECONDS)) {
                    throw new EngineException("the Docker client failed while loading the image (its stream thread died)");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException("interrupted while the Docker engine loaded the image", e);
        } catch (RuntimeException e) {
            throw loadFailure(e);
        } finally {
            try {
                cb.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
        Throwable f = failure.get();
        if (f instanceof DockerException) {
            throw new EngineException("the Docker engine refused the load: " + message(f), f);
        }
        if (f != null) {
            throw loadFailure(f);
        }
        synchronized (messages) {
            return new LoadOutcome(messages, Optional.ofNullable(error.get()));
        }
    }

    @Override
    public void tag(String imageId, String repository, String tag) throws EngineException {
        try {
            client.tagImageCmd(imageId, repository, tag).withForce(true).exec();
        } catch (RuntimeException e) {
            if (connectionFailure(e)) {
                throw new EngineException("the Docker engine at " + host + " is not reachable: " + message(e), e, true);
            }
            throw new EngineException("the Docker engine failed to tag " + imageId + " as " + repository + ":" + tag + ": "
                    + message(e), e);
        }
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (IOException ignored) {
            // closing a client cannot fail in a way that matters
        }
    }
}
