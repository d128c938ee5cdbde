package io.logitstream.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.logitstream.gateway.openai.ApiError;
import io.logitstream.gateway.openai.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reading request bodies and writing JSON answers and errors. */
final class Replies {

    private static final Logger log = LoggerFactory.getLogger(Replies.class);
    /** Bodies larger than this are refused (a batch of long token-id prompts stays well below). */
    static final int MAX_BODY_BYTES = 64 * 1024 * 1024;

    private Replies() {
    }

    static ObjectNode readJson(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                throw new ApiError(413, "invalid_request_error", "BODY_TOO_LARGE", "The body exceeds "
                        + MAX_BODY_BYTES + " bytes");
            }
            return Json.parseObject(body);
        }
    }

    static void json(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = Json.MAPPER.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    static void error(HttpExchange exchange, ApiError error) throws IOException {
        json(exchange, error.status(), error.toJson());
    }

    /** The ApiError a failure stands for: itself, or an internal error (logged, since it is a bug). */
    static ApiError asApiError(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof ApiError api) {
            return api;
        }
        log.error("Request failed", cause);
        return new ApiError(500, "server_error", ApiError.INTERNAL, "Internal error: " + cause);
    }

    /**
     * Writes an answer that was computed off the handler thread; a client that has gone away is
     * only logged.
     */
    static void complete(HttpExchange exchange, JsonNode body, Throwable failure) {
        try {
            if (failure != null) {
                error(exchange, asApiError(failure));
            } else {
                json(exchange, 200, body);
            }
        } catch (IOException | RuntimeException e) {
            log.debug("Could not write the answer to {}: {}", exchange.getRemoteAddress(), e.toString());
        } finally {
            exchange.close();
        }
    }
}
