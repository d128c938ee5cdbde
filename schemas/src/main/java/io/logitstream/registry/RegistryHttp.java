package io.logitstream.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One request to a Confluent-compatible registry: sends it, parses the JSON answer and turns every
 * failure into a {@link SchemaRegistryException} whose message says what to do. No retries and no
 * caching here; {@link RestSchemaRegistryClient} decides about those.
 */
final class RegistryHttp {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private final String baseUrl;
    private final HttpClient http;
    private final Duration requestTimeout;

    RegistryHttp(String baseUrl, Duration connectTimeout, Duration requestTimeout) {
        this.baseUrl = baseUrl;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
        this.requestTimeout = requestTimeout;
    }

    String baseUrl() {
        return baseUrl;
    }

    /** Sends {@code method path} with an optional JSON body; returns the parsed 2xx answer. */
    JsonNode send(String method, String path, JsonNode body, String what) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(requestTimeout)
                .header("Accept", CONTENT_TYPE + ", application/json");
        if (body != null) {
            request.header("Content-Type", CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new SchemaRegistryException("Cannot reach the schema registry at " + baseUrl + " to " + what + " ("
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                    + "). Is it running? `./logitstream up` or deploy/local/registry.sh start starts a local one; "
                    + "otherwise set schema.registry.url.", -1, -1, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException("Interrupted while trying to " + what, -1, -1, e);
        }
        JsonNode answer = parse(response.body());
        int status = response.statusCode();
        if (status / 100 == 2) {
            return answer;
        }
        int errorCode = answer.path("error_code").asInt(-1);
        String detail = answer.path("message").asText(response.body());
        String hint = switch (status) {
            case 404 -> " (not found: the id or subject does not exist in this registry; was the data written"
                    + " against another registry?)";
            case 409 -> " (incompatible with the subject's registered versions under its compatibility rule)";
            case 422 -> " (the registry rejected the schema as invalid)";
            default -> status >= 500 ? " (an error inside the registry; retried with backoff)" : "";
        };
        throw new SchemaRegistryException("Schema registry at " + baseUrl + " refused to " + what + ": HTTP " + status
                + hint + ": " + detail, status, errorCode, null);
    }

    static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8);
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode().put("message", body);
        }
    }
}
