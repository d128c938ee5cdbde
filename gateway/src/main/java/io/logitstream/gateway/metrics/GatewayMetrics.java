package io.logitstream.gateway.metrics;

import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpServer;
import io.logitstream.gateway.kafka.KafkaBackend;
import io.logitstream.metrics.PrometheusEndpoint;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * The gateway's Prometheus endpoint, {@code /metrics} on the gateway's own HTTP server: HTTP
 * requests by method, endpoint and status with their durations and how many are in flight, the
 * Kafka requests waiting for answers, and the JVM.
 */
public final class GatewayMetrics implements AutoCloseable {

    private final PrometheusEndpoint endpoint = PrometheusEndpoint.create("gateway", Tags.empty());

    /** Serves {@code /metrics} on {@code server} and measures the requests of {@code routes}. */
    public GatewayMetrics(HttpServer server, HttpContext routes, KafkaBackend backend) {
        routes.getFilters().add(new HttpMetricsFilter(endpoint.registry()));
        server.createContext(PrometheusEndpoint.PATH, endpoint.handler());
        Gauge.builder("logitstream.gateway.kafka.pending", backend, KafkaBackend::pendingCalls)
                .description("Requests the gateway has put on the prompts topic and waits on an answer for")
                .register(endpoint.registry());
    }

    public MeterRegistry registry() {
        return endpoint.registry();
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
