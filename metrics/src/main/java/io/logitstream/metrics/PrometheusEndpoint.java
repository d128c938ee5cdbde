package io.logitstream.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One component's meters in the Prometheus text format: a Micrometer registry with the JVM's
 * meters (memory, GC, threads, CPU, uptime), served at {@code /metrics} either by the component's
 * own HTTP server ({@link #handler()}, the gateway) or by a small listener of its own
 * ({@link #listen}, the topology and the workers).
 *
 * <p>A port that is taken costs the metrics, with a warning, never the component: a worker that
 * cannot publish its meters still serves its requests.
 */
public final class PrometheusEndpoint implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PrometheusEndpoint.class);
    /** The Prometheus text exposition format, which every Prometheus version reads. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    public static final String PATH = "/metrics";

    private final String component;
    private final PrometheusMeterRegistry registry;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private HttpServer server;
    private ExecutorService serverThread;

    private PrometheusEndpoint(String component, Tags commonTags) {
        this.component = component;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags(commonTags);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        closeables.add(gc);
    }

    /**
     * A registry for one component ({@code topology}, {@code worker}, {@code gateway}: named in logs
     * only, Prometheus' job label tells them apart); every meter carries {@code commonTags}.
     */
    public static PrometheusEndpoint create(String component, Tags commonTags) {
        return new PrometheusEndpoint(component, commonTags);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The current values, in the text format. */
    public String scrape() {
        return registry.scrape(CONTENT_TYPE);
    }

    /** Closed with this endpoint (meter binders that poll, such as the Kafka ones). */
    public <T extends AutoCloseable> T closeWith(T closeable) {
        synchronized (closeables) {
            closeables.add(closeable);
        }
        return closeable;
    }

    /** Answers GET (and HEAD) with {@link #scrape()}; for a server the component already runs. */
    public HttpHandler handler() {
        return this::answer;
    }

    /**
     * Serves {@code /metrics} on its own listener (every interface); nothing when the port is empty
     * (metrics off). A default port that is taken gives way to any free one; a port given explicitly
     * that is taken is logged, naming {@code settingKey}, and the component runs without metrics.
     */
    public PrometheusEndpoint listen(Optional<MetricsPort> port, String settingKey) {
        if (port.isEmpty() || server != null) {
            return this;
        }
        int wanted = port.get().port();
        try {
            server = bind(wanted);
        } catch (IOException e) {
            if (!port.get().anyIfTaken()) {
                log.warn("The {} serves no metrics: cannot listen on port {} ({}). Set {} to a free port, 0 for any,"
                        + " or off", component, wanted, e.getMessage(), settingKey);
                return this;
            }
            try {
                server = bind(0);
                log.warn("Port {} is taken ({}): the {} serves its metrics on port {} instead ({} picks one)", wanted,
                        e.getMessage(), component, server.getAddress().getPort(), settingKey);
            } catch (IOException again) {
                log.warn("The {} serves no metrics: {}", component, again.getMessage());
                return this;
            }
        }
        // Scrapes are answered one at a time on a daemon thread; the JDK server's own dispatcher thread
        // is not a daemon, so whoever starts a listener closes this endpoint when the component stops.
        serverThread = Executors.newSingleThreadExecutor(runnable -> {
            Thread t = new Thread(runnable, component + "-metrics-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(serverThread);
        server.createContext(PATH, handler());
        server.start();
        log.info("The {} serves Prometheus metrics on {}", component, url().orElseThrow());
        return this;
    }

    private static HttpServer bind(int port) throws IOException {
        return HttpServer.create(new InetSocketAddress(port), 16);
    }

    /** Where this endpoint's own listener serves, {@code http://localhost:PORT/metrics}; empty without one. */
    public Optional<URI> url() {
        return server == null ? Optional.empty()
                : Optional.of(URI.create("http://localhost:" + server.getAddress().getPort() + PATH));
    }

    private void answer(HttpExchange exchange) throws IOException {
        try {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            if (method.equals("HEAD")) {
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } finally {
            exchange.close();
        }
    }

    /** Stops the listener and the binders; closing again does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (server != null) {
            server.stop(0);
            serverThread.shutdownNow();
        }
        synchronized (closeables) {
            for (AutoCloseable closeable : closeables) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    log.debug("Closing a meter binder of the {} failed: {}", component, e.toString());
                }
            }
            closeables.clear();
        }
        registry.close();
    }
}
