package io.logitstream.gateway.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /runs-ui} (and {@code GET /}): one self-contained HTML page (inline CSS and script, no
 * build step, nothing fetched from elsewhere) that reads {@code GET /runs} every few seconds and
 * shows each run's progress, accuracy, errors and latency histograms as inline SVG.
 */
final class RunsPageEndpoint implements Endpoint {

    static final String PATH = "/runs-ui";
    private static final String RESOURCE = "runs.html";

    private final byte[] page;

    RunsPageEndpoint() {
        try (InputStream in = RunsPageEndpoint.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the page " + RESOURCE + " is missing from the gateway's jar");
            }
            page = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean serves(String path) {
        return path.equals(PATH) || path.equals("/");
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, page.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(page);
        }
    }
}
