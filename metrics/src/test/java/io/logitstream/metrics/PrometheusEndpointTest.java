package io.logitstream.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.logitstream.testkit.PrometheusScrape;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusEndpointTest {

    @Test
    void servesTheRegistryAndTheJvmOverHttp() throws Exception {
        try (PrometheusEndpoint endpoint = PrometheusEndpoint.create("test", Tags.of("model", "m"))
                .listen(MetricsPort.exactly(0), "test.port")) {
            Counter.builder("logitstream.test.requests").tag("status", "OK").register(endpoint.registry()).increment(3);
            Timer.builder("logitstream.test.latency").serviceLevelObjectives(LatencyBuckets.REQUEST)
                    .register(endpoint.registry()).record(Duration.ofMillis(30));
            URI url = endpoint.url().orElseThrow();

            PrometheusScrape scrape = PrometheusScrape.fetch(url);

            assertThat(scrape.contentType()).startsWith("text/plain");
            assertThat(scrape.sum("logitstream_test_requests_total", Map.of("status", "OK", "model", "m")))
                    .isEqualTo(3.0);
            assertThat(scrape.sum("logitstream_test_latency_seconds_bucket", Map.of("le", "0.05"))).isEqualTo(1.0);
            assertThat(scrape.sum("logitstream_test_latency_seconds_bucket", Map.of("le", "0.025"))).isEqualTo(0.0);
            assertThat(scrape.sum("logitstream_test_latency_seconds_count")).isEqualTo(1.0);
            assertThat(scrape.sum("jvm_memory_used_bytes")).isPositive();
            assertThat(scrape.has("process_uptime_seconds")).isTrue();

            HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(405);
        }
    }

    @Test
    void aTakenPortCostsOnlyTheMetricsAndATakenDefaultGivesWay() throws Exception {
        try (ServerSocket taken = new ServerSocket(0);
                PrometheusEndpoint explicit = PrometheusEndpoint.create("test", Tags.empty())
                        .listen(MetricsPort.parse(taken.getLocalPort(), 1, "test.port"), "test.port");
                PrometheusEndpoint byDefault = PrometheusEndpoint.create("test", Tags.empty())
                        .listen(MetricsPort.parse(null, taken.getLocalPort(), "test.port"), "test.port")) {
            assertThat(explicit.url()).isEmpty();
            assertThat(explicit.scrape()).contains("jvm_memory_used_bytes");
            URI elsewhere = byDefault.url().orElseThrow();
            assertThat(elsewhere.getPort()).isNotEqualTo(taken.getLocalPort());
            assertThat(PrometheusScrape.fetch(elsewhere).has("jvm_memory_used_bytes")).isTrue();
        }
    }

    @Test
    void portSettingsMayTurnMetricsOffOrPickAnyPort() {
        assertThat(MetricsPort.parse(null, 9464, "k")).contains(new MetricsPort(9464, true));
        assertThat(MetricsPort.parse(" ", 9464, "k")).contains(new MetricsPort(9464, true));
        assertThat(MetricsPort.parse("0", 9464, "k")).contains(new MetricsPort(0, false));
        assertThat(MetricsPort.parse("9999", 9464, "k")).contains(new MetricsPort(9999, false));
        assertThat(MetricsPort.parse("off", 9464, "k")).isEmpty();
        assertThat(MetricsPort.parse("-1", 9464, "k")).isEmpty();
        assertThatThrownBy(() -> MetricsPort.parse("70000", 9464, "logitstream.worker.metrics.port"))
                .hasMessageContaining("logitstream.worker.metrics.port");
        assertThatThrownBy(() -> MetricsPort.parse("x", 9464, "k")).isInstanceOf(IllegalArgumentException.class);
    }
}
