package io.logitstream.topology.metrics;

import io.logitstream.metrics.MetricsPort;
import io.logitstream.metrics.PrometheusEndpoint;
import io.logitstream.topology.route.Inspection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The topology's Prometheus endpoint: routing outcomes ({@link RoutingOutcomes}), Kafka Streams'
 * own metrics ({@code kafka_stream_*}: threads, tasks, processing and commit rates and latencies, its
 * clients' consumer and producer metrics) and the JVM. Served at {@code /metrics} on
 * {@link #PORT_KEY} (default {@value #DEFAULT_PORT}; 0: any free port, off: none).
 */
public final class TopologyMetrics implements AutoCloseable {

    public static final String PORT_KEY = "logitstream.topology.metrics.port";
    public static final int DEFAULT_PORT = 9465;
    /**
     * How often Kafka Streams' metric set is checked for new members (tasks and threads come and go
     * with rebalances); values are read at each scrape.
     */
    static final Duration STREAMS_REFRESH = Duration.ofSeconds(10);

    private final PrometheusEndpoint endpoint;
    private final RoutingOutcomes outcomes;
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread t = new Thread(runnable, "topology-metrics-refresh");
        t.setDaemon(true);
        return t;
    });

    private TopologyMetrics(PrometheusEndpoint endpoint) {
        this.endpoint = endpoint;
        this.outcomes = new RoutingOutcomes(endpoint.registry());
    }

    /** Reads {@link #PORT_KEY} from the topology's settings and starts listening there. */
    public static TopologyMetrics start(Map<String, String> settings) {
        return new TopologyMetrics(PrometheusEndpoint.create("topology", Tags.empty())
                .listen(MetricsPort.parse(settings.get(PORT_KEY), DEFAULT_PORT, PORT_KEY), PORT_KEY));
    }

    /** Told every routing decision (on the stream threads). */
    public Consumer<Inspection> outcomes() {
        return outcomes;
    }

    /** Publishes the streams client's own metrics; call once, before it starts. */
    public void bind(KafkaStreams streams) {
        endpoint.closeWith(new KafkaStreamsMetrics(streams, Tags.empty(), refresher, STREAMS_REFRESH))
                .bindTo(endpoint.registry());
    }

    /** {@code http://localhost:PORT/metrics}; empty when off or the port was taken. */
    public Optional<URI> url() {
        return endpoint.url();
    }

    public MeterRegistry registry() {
        return endpoint.registry();
    }

    @Override
    public void close() {
        endpoint.close();
        refresher.shutdownNow();
    }
}
