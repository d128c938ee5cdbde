package io.logitstream.topology.runs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topology's query server (the JDK's HTTP server): {@code GET /runs}, {@code GET /runs/{id}},
 * {@code GET /results/{request_id}}, JSON out; {@code ?local=true} answers from this instance's
 * stores only (what instances ask each other). Bound when the application is built, so its port is
 * known for {@code application.server}; it answers once {@link #start} hands it the queries.
 */
public final class RunQueryServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RunQueryServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String SERVED = "GET /runs, GET /runs/{run_id}, GET /results/{request_id}";

    private final HttpServer server;
    private final ExecutorService threads;

    private RunQueryServer(HttpServer server, ExecutorService threads) {
        this.server = server;
        this.threads = threads;
    }

    /** Listens on the address; fails with a message a person can act on when the port is taken. */
    public static RunQueryServer bind(String host, int port) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 64);
        } catch (BindException e) {
            throw new BindException("cannot listen on " + host + ":" + port + " (" + e.getMessage() + "); set "
                    + RunSettings.HTTP_PORT_KEY + " to a free port, or -1 to serve no queries");
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(4, runnable -> {
            Thread t = new Thread(runnable, "topology-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        return new RunQueryServer(server, threads);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public void start(RunQueries queries) {
        server.createContext("/", exchange -> answer(exchange, route(exchange, queries)));
        server.start();
        log.info("Run queries served on port {}: {}", port(), SERVED);
    }

    private static QueryAnswer route(HttpExchange exchange, RunQueries queries) {
        if (!"GET".equals(exchange.getRequestMethod())) {
            return QueryAnswer.error(405, "METHOD_NOT_ALLOWED", "Use GET; served: " + SERVED);
        }
        String path = exchange.getRequestURI().getRawPath();
        boolean local = "local=true".equals(exchange.getRequestURI().getRawQuery());
        try {
            if (path.equals("/runs") || path.equals("/runs/")) {
                return queries.list(local);
            }
            if (path.startsWith("/runs/")) {
                return queries.run(decode(path.substring("/runs/".length())), local);
            }
            if (path.startsWith("/results/") && path.length() > "/results/".length()) {
                return queries.result(decode(path.substring("/results/".length())), local);
            }
        } catch (RuntimeException e) {
            log.error("Query {} failed", path, e);
            return QueryAnswer.error(500, "INTERNAL", "Internal error: " + e);
        }
        return QueryAnswer.error(404, QueryAnswer.NOT_FOUND, "No route GET " + path + "; served: " + SERVED);
    }

    private static String decode(String segment) {
        return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static void answer(HttpExchange exchange, QueryAnswer answer) throws IOException {
        try (exchange) {
            byte[] body = JSON.writeValueAsBytes(answer.body());
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            if (answer.status() == 503) {
                exchange.getResponseHeaders().set("Retry-After", "1");
            }
            exchange.sendResponseHeaders(answer.status(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        try {
            server.stop(0);
        } catch (IllegalStateException e) {
            log.debug("Query server was never started: {}", e.toString());
        }
        threads.shutdownNow();
    }
}
