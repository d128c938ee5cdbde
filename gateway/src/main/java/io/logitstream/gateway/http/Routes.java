package io.logitstream.gateway.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.logitstream.gateway.GatewaySettings;
import io.logitstream.gateway.kafka.KafkaBackend;
import io.logitstream.gateway.openai.ApiError;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Method and path to endpoint; anything an endpoint throws before answering becomes an error answer. */
public final class Routes implements HttpHandler {

    private static final Logger log = LoggerFactory.getLogger(Routes.class);

    private final Map<String, Endpoint> posts;
    private final Endpoint models;
    private final Endpoint runs;
    private final Endpoint runsPage;

    public Routes(KafkaBackend backend, Executor writers, GatewaySettings settings) {
        this.posts = Map.of(
                "/v1/completions", new CompletionsEndpoint(backend, writers, settings.requestTimeout()),
                "/v1/chat/completions", new ChatCompletionsEndpoint(backend, writers, settings.requestTimeout()));
        this.models = new ModelsEndpoint(backend.models());
        this.runs = new RunsProxyEndpoint(settings.topologyUrl());
        this.runsPage = new RunsPageEndpoint();
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            route(exchange).handle(exchange);
        } catch (RuntimeException e) {
            answerError(exchange, Replies.asApiError(e));
        } catch (IOException e) {
            log.debug("Connection to {} failed: {}", exchange.getRemoteAddress(), e.toString());
            exchange.close();
        }
    }

    private Endpoint route(HttpExchange exchange) {
        String path = trimSlash(exchange.getRequestURI().getPath());
        String method = exchange.getRequestMethod();
        if (path.equals(ModelsEndpoint.PATH) || path.startsWith(ModelsEndpoint.PATH + "/")) {
            return requireMethod(method, "GET", models);
        }
        if (RunsProxyEndpoint.serves(path)) {
            return requireMethod(method, "GET", runs);
        }
        if (RunsPageEndpoint.serves(path)) {
            return requireMethod(method, "GET", runsPage);
        }
        Endpoint post = posts.get(path);
        if (post != null) {
            return requireMethod(method, "POST", post);
        }
        throw new ApiError(404, "invalid_request_error", ApiError.NOT_FOUND, "No route " + method + " " + path
                + "; served: GET /v1/models, POST /v1/completions, POST /v1/chat/completions, GET /runs,"
                + " GET /runs/{run_id}, GET /results/{request_id}, GET /runs-ui");
    }

    private static Endpoint requireMethod(String method, String allowed, Endpoint endpoint) {
        if (!allowed.equals(method)) {
            throw new ApiError(405, "invalid_request_error", ApiError.METHOD_NOT_ALLOWED, "Use " + allowed);
        }
        return endpoint;
    }

    private static String trimSlash(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    /** An error found on the handler thread; if a stream had already started, the connection just ends. */
    private static void answerError(HttpExchange exchange, ApiError error) {
        try {
            Replies.error(exchange, error);
        } catch (IOException | RuntimeException e) {
            log.debug("Could not answer {} with {}: {}", exchange.getRemoteAddress(), error.status(), e.toString());
        } finally {
            exchange.close();
        }
    }
}
