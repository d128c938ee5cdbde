package io.logitstream.worker.metrics;

import io.logitstream.metrics.MetricsPort;
import io.logitstream.metrics.PrometheusEndpoint;
import io.logitstream.worker.kafka.KafkaClients;
import io.logitstream.worker.serving.ServingScheduler;
import io.logitstream.worker.task.RequestExecutor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * A worker's Prometheus endpoint: answers by task and status with their latencies, the running
 * batch (queue, sizes, tokens computed, step durations), the prefix cache, its Kafka clients and
 * the JVM, every series tagged with the served {@code model}. Served at {@code /metrics} on
 * {@link #PORT_KEY} (default {@value #DEFAULT_PORT}; 0: any free port, off: none).
 *
 * <pre>
 * WorkerMetrics metrics = WorkerMetrics.start(settings, model.name());
 * new KafkaModelWorker(workerSettings, metrics.instrument(scheduler), metrics.instrument(KafkaClients.of(workerSettings)));
 * </pre>
 */
public final class WorkerMetrics implements AutoCloseable {

    public static final String PORT_KEY = "logitstream.worker.metrics.port";
    public static final int DEFAULT_PORT = 9464;

    private final PrometheusEndpoint endpoint;

    private WorkerMetrics(PrometheusEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    /** Reads {@link #PORT_KEY} from the worker's settings and starts listening there. */
    public static WorkerMetrics start(Map<String, ?> settings, String model) {
        return new WorkerMetrics(PrometheusEndpoint.create("worker", Tags.of("model", model))
                .listen(MetricsPort.parse(settings.get(PORT_KEY), DEFAULT_PORT, PORT_KEY), PORT_KEY));
    }

    /** The scheduler's meters bound, and an executor that counts its answers. */
    public RequestExecutor instrument(ServingScheduler scheduler) {
        ServingMeters.bind(scheduler, endpoint.registry());
        return new MeteredExecutor(scheduler, endpoint.registry());
    }

    /** Clients whose Kafka metrics are bound as they are made. */
    public KafkaClients instrument(KafkaClients clients) {
        return new MeteredKafkaClients(clients, endpoint);
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
    }
}
