package io.logitstream.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Talks to a schema registry over the Confluent REST API and caches both directions
 * (subject+schema to id, id to schema): ids are immutable, so after the first call per schema
 * no request leaves the process.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {

    private static final Logger log = LoggerFactory.getLogger(RestSchemaRegistryClient.class);
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String baseUrl;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final Map<String, Map<Schema, Integer>> idsBySubject = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();

    public RestSchemaRegistryClient(String baseUrl) {
        this(baseUrl, Duration.ofSeconds(5), Duration.ofSeconds(15));
    }

    public RestSchemaRegistryClient(String baseUrl, Duration connectTimeout, Duration requestTimeout) {
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException(
                    "schema.registry.url is not set: give the base URL of a Confluent-compatible registry, "
                            + "e.g. http://localhost:8081 (Apicurio: http://localhost:8081/apis/ccompat/v7)");
        }
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
        this.requestTimeout = requestTimeout;
    }

    @Override
    public String url() {
        return baseUrl;
    }

    @Override
    public int register(String subject, Schema schema) {
        Map<Schema, Integer> known = idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = known.get(schema);
        if (cached != null) {
            return cached;
        }
        ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
        JsonNode answer = send("POST", "/subjects/" + encode(subject) + "/versions", body,
                "register the schema " + schema.getFullName() + " under subject " + subject);
        int id = answer.path("id").asInt(-1);
        if (id < 0) {
            throw new SchemaRegistryException("Registry at " + baseUrl + " answered the registration of subject "
                    + subject + " without an id: " + answer, 200, -1, null);
        }
        known.put(schema, id);
        schemasById.putIfAbsent(id, schema);
        log.debug("Schema {} registered under {} with id {}", schema.getFullName(), subject, id);
        return id;
    }

    @Override
    public int lookup(String subject, Schema schema) {
        Map<Schema, Integer> known = idsBySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer cached = known.get(schema);
        if (cached != null) {
            return cached;
        }
        ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
        JsonNode answer = send("POST", "/subjects/" + encode(subject), body,
                "find the schema " + schema.getFullName() + " under subject " + subject
                        + " (auto.register.schemas=false, so it must be registered beforehand)");
        int id = answer.path("id").asInt(-1);
        known.put(schema, id);
        schemasById.putIfAbsent(id, schema);
        return id;
    }

    @Override
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = send("GET", "/schemas/ids/" + id, null, "look up schema id " + id);
        String text = answer.path("schema").asText(null);
        if (text == null) {
            throw new SchemaRegistryException("Registry at " + baseUrl + " returned no schema text for id " + id,
                    200, -1, null);
        }
        String type = answer.path("schemaType").asText("AVRO");
        if (!"AVRO".equals(type)) {
            throw new SchemaRegistryException("Schema id " + id + " is a " + type
                    + " schema; LogitStream topics carry Avro only", 200, -1, null);
        }
        Schema schema = new Schema.Parser().parse(text);
        Schema previous = schemasById.putIfAbsent(id, schema);
        return previous != null ? previous : schema;
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        ObjectNode body = JSON.createObjectNode().put("schema", schema.toString());
        try {
            JsonNode answer = send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest", body,
                    "check compatibility of subject " + subject);
            return answer.path("is_compatible").asBoolean(false);
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                return true; // no version yet: anything is compatible with nothing
            }
            throw e;
        }
    }

    @Override
    public void setCompatibility(String subject, String level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        send("PUT", "/config/" + encode(subject), body, "set compatibility " + level + " on subject " + subject);
    }

    private JsonNode send(String method, String path, JsonNode body, String what) {
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
            default -> "";
        };
        throw new SchemaRegistryException("Schema registry at " + baseUrl + " refused to " + what + ": HTTP " + status
                + hint + ": " + detail, status, errorCode, null);
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

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8);
    }
}
