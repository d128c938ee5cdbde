package io.logitstream.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The four Confluent REST calls the client makes, served from memory by the JDK's HTTP server, with
 * the failures a real registry shows: HTTP 5xx answers, and a restart that forgets everything and
 * hands the same ids out again (what an in-memory registry does).
 */
final class FakeConfluentRegistry implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<Integer, String> textById = new HashMap<>();
    private final Map<Integer, String> typeById = new HashMap<>();
    private final Map<String, Integer> idByText = new HashMap<>();
    private final Map<String, Map<String, Integer>> subjects = new HashMap<>();
    private final Map<String, AtomicInteger> requests = new LinkedHashMap<>();
    private int nextId = 1;
    private int failuresLeft;
    private int failureStatus;

    FakeConfluentRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String url() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    /** The next {@code count} requests are answered with {@code status} and nothing else happens. */
    synchronized void failNext(int count, int status) {
        failuresLeft = count;
        failureStatus = status;
    }

    /** A restart without storage: every schema, subject and id is gone, and ids start at 1 again. */
    synchronized void forgetEverything() {
        textById.clear();
        typeById.clear();
        idByText.clear();
        subjects.clear();
        nextId = 1;
    }

    /** Puts a schema text under an id directly, e.g. one that is not Avro. */
    synchronized void putSchema(int id, String text, String type) {
        textById.put(id, text);
        typeById.put(id, type);
    }

    synchronized boolean knows(String schemaText) {
        return idByText.containsKey(schemaText);
    }

    /** How many requests started with {@code "METHOD /path-prefix"}, failed ones included. */
    synchronized int requests(String methodAndPathPrefix) {
        return requests.entrySet().stream().filter(e -> e.getKey().startsWith(methodAndPathPrefix))
                .mapToInt(e -> e.getValue().get()).sum();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private synchronized void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        requests.computeIfAbsent(method + " " + path, k -> new AtomicInteger()).incrementAndGet();
        JsonNode body = readJson(exchange.getRequestBody().readAllBytes());
        if (failuresLeft > 0) {
            failuresLeft--;
            reply(exchange, failureStatus, error(50001, "injected failure"));
            return;
        }
        String[] parts = path.split("/");
        if (method.equals("POST") && parts.length == 4 && parts[1].equals("subjects") && parts[3].equals("versions")) {
            String text = body.path("schema").asText();
            int id = idByText.computeIfAbsent(text, t -> nextId++);
            textById.put(id, text);
            subjects.computeIfAbsent(parts[2], s -> new HashMap<>()).put(text, id);
            reply(exchange, 200, JSON.createObjectNode().put("id", id));
        } else if (method.equals("POST") && parts.length == 3 && parts[1].equals("subjects")) {
            Integer id = subjects.getOrDefault(parts[2], Map.of()).get(body.path("schema").asText());
            reply(exchange, id == null ? 404 : 200,
                    id == null ? error(40403, "Schema not found") : JSON.createObjectNode().put("id", id));
        } else if (method.equals("GET") && parts.length == 4 && parts[1].equals("schemas") && parts[2].equals("ids")) {
            int id = Integer.parseInt(parts[3]);
            String text = textById.get(id);
            if (text == null) {
                reply(exchange, 404, error(40403, "Schema " + id + " not found"));
                return;
            }
            ObjectNode answer = JSON.createObjectNode().put("schema", text);
            if (typeById.containsKey(id)) {
                answer.put("schemaType", typeById.get(id));
            }
            reply(exchange, 200, answer);
        } else {
            reply(exchange, 404, error(40401, "no such endpoint in the fake: " + method + " " + path));
        }
    }

    private static JsonNode readJson(byte[] bytes) throws IOException {
        return bytes.length == 0 ? JSON.createObjectNode() : JSON.readTree(bytes);
    }

    private static ObjectNode error(int code, String message) {
        return JSON.createObjectNode().put("error_code", code).put("message", message);
    }

    private static void reply(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
