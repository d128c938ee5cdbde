package io.logitstream.gateway.http;

import com.sun.net.httpserver.HttpExchange;
import io.logitstream.gateway.GatewaySettings;
import io.logitstream.gateway.openai.ApiError;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * {@code GET /runs}, {@code GET /runs/{id}}, {@code GET /results/{request_id}}: passed on to the
 * topology's query server, which holds the run summaries and the results store, and answered with
 * what it answers (status and JSON body). The gateway keeps no state of its own.
 */
final class RunsProxyEndpoint implements Endpoint {

    static final String RUNS = "/runs";
    static final String RESULTS = "/results/";
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    static final String TOPOLOGY_UNAVAILABLE = "TOPOLOGY_UNAVAILABLE";

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final URI topology;

    RunsProxyEndpoint(URI topology) {
        this.topology = topology;
    }

    static boolean serves(String path) {
        return path.equals(RUNS) || path.startsWith(RUNS + "/") || path.startsWith(RESULTS);
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        URI asked = exchange.getRequestURI();
        URI target = URI.create(topology.toString().replaceAll("/+$", "") + asked.getRawPath()
                + (asked.getRawQuery() == null ? "" : "?" + asked.getRawQuery()));
        HttpResponse<byte[]> answer;
        try {
            answer = client.send(HttpRequest.newBuilder(target).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(e);
        } catch (IOException e) {
            throw unavailable(e);
        }
        exchange.getResponseHeaders().set("Content-Type",
                answer.headers().firstValue("Content-Type").orElse("application/json"));
        answer.headers().firstValue("Retry-After").ifPresent(v -> exchange.getResponseHeaders().set("Retry-After", v));
        exchange.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer.body());
        }
    }

    private ApiError unavailable(Exception e) {
        return new ApiError(502, "server_error", TOPOLOGY_UNAVAILABLE, "The topology's query server at " + topology
                + " does not answer (" + e + "); is the topology running? Its address is "
                + GatewaySettings.TOPOLOGY_URL_KEY + " (--topology-url)");
    }
}
