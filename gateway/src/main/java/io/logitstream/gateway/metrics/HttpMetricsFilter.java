package io.logitstream.gateway.metrics;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import io.logitstream.metrics.LatencyBuckets;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts and times every HTTP request of the routes it filters, by method, endpoint (route template)
 * and status, from its arrival to the end of its answer (a streamed answer's last event), and how
 * many are in flight.
 */
final class HttpMetricsFilter extends Filter {

    private static final Set<String> METHODS = Set.of("GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH");

    private final MeterRegistry registry;
    private final AtomicInteger inFlight = new AtomicInteger();

    HttpMetricsFilter(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("logitstream.gateway.http.requests.in.flight", inFlight, AtomicInteger::get)
                .description("HTTP requests received and not answered yet (streams until their last event)")
                .strongReference(true).register(registry);
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        long start = System.nanoTime();
        String method = METHODS.contains(exchange.getRequestMethod()) ? exchange.getRequestMethod() : "other";
        String endpoint = EndpointLabel.of(exchange.getRequestURI().getPath());
        inFlight.incrementAndGet();
        chain.doFilter(new ObservedExchange(exchange, status -> {
            inFlight.decrementAndGet();
            record(method, endpoint, status < 0 ? "none" : Integer.toString(status), System.nanoTime() - start);
        }));
    }

    private void record(String method, String endpoint, String status, long nanos) {
        Counter.builder("logitstream.gateway.http.requests").description("HTTP requests answered")
                .tag("method", method).tag("endpoint", endpoint).tag("status", status).register(registry).increment();
        Timer.builder("logitstream.gateway.http.request.duration")
                .description("From an HTTP request's arrival to the end of its answer")
                .tag("method", method).tag("endpoint", endpoint).tag("status", status)
                .serviceLevelObjectives(LatencyBuckets.REQUEST).register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public String description() {
        return "LogitStream HTTP metrics";
    }
}
