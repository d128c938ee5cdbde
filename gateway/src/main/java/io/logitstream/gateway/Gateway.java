package io.logitstream.gateway;

import com.sun.net.httpserver.HttpServer;
import io.logitstream.gateway.http.Routes;
import io.logitstream.gateway.kafka.KafkaBackend;
import io.logitstream.gateway.metrics.GatewayMetrics;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI-compatible HTTP gateway: the JDK's HTTP server on a bounded thread pool, in front of
 * a {@link KafkaBackend} that every HTTP request shares.
 */
public final class Gateway implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    private final HttpServer server;
    private final ExecutorService threads;
    private final KafkaBackend backend;
    private final GatewayMetrics metrics;
    private final URI url;

    private Gateway(HttpServer server, ExecutorService threads, KafkaBackend backend, GatewayMetrics metrics,
            URI url) {
        this.server = server;
        this.threads = threads;
        this.backend = backend;
        this.metrics = metrics;
        this.url = url;
    }

    /**
     * Connects to Kafka (waiting up to the startup timeout for the topics), then listens. Fails with
     * a message for a person when the port is taken or the cluster cannot be reached.
     */
    public static Gateway start(GatewaySettings settings) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 256);
        } catch (BindException e) {
            throw new IllegalStateException("cannot listen on " + settings.host() + ":" + settings.port() + " ("
                    + e.getMessage() + "); is another server (vLLM, an earlier gateway) using it? Pick another"
                    + " with --port", e);
        }
        KafkaBackend backend;
        try {
            backend = KafkaBackend.start(settings);
        } catch (RuntimeException e) {
            server.stop(0);
            throw e;
        }
        ExecutorService threads = Executors.newFixedThreadPool(settings.httpThreads(), named("gateway-http-"));
        server.setExecutor(threads);
        GatewayMetrics metrics = new GatewayMetrics(server, server.createContext("/",
                new Routes(backend, threads, settings)), backend);
        server.start();
        String host = settings.host().equals("0.0.0.0") ? "localhost" : settings.host();
        URI url = URI.create("http://" + host + ":" + server.getAddress().getPort() + "/v1");
        log.info("Gateway listening on {} (prompts to {}, answers from {}, {}, {})", url, settings.topics().prompts(),
                settings.topics().results(), settings.topics().deadLetters(), settings.topics().tokens());
        return new Gateway(server, threads, backend, metrics, url);
    }

    /** The OpenAI base URL, {@code http://host:port/v1}. */
    public URI url() {
        return url;
    }

    /** Prometheus metrics, {@code http://host:port/metrics}. */
    public URI metricsUrl() {
        return url.resolve("/metrics");
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(1);
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        backend.close();
        metrics.close();
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return runnable -> {
            Thread t = new Thread(runnable, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
