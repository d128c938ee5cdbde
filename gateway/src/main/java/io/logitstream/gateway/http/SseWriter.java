package io.logitstream.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import io.logitstream.gateway.openai.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-sent events as OpenAI streams them: {@code data: <json>} blocks, each flushed at once,
 * ending with {@code data: [DONE]}. The status line goes out with the first event, so an error
 * found before any token is still an ordinary JSON error with its status.
 */
final class SseWriter {

    private final HttpExchange exchange;
    private OutputStream out;

    SseWriter(HttpExchange exchange) {
        this.exchange = exchange;
    }

    boolean opened() {
        return out != null;
    }

    void event(JsonNode data) throws IOException {
        write("data: " + Json.MAPPER.writeValueAsString(data) + "\n\n");
    }

    void done() throws IOException {
        write("data: [DONE]\n\n");
    }

    private void write(String block) throws IOException {
        if (out == null) {
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0); // chunked: the length is not known
            out = exchange.getResponseBody();
        }
        out.write(block.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
