package io.logitstream.topology.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One answer of the query server: an HTTP status and a JSON body. Errors have the gateway's shape,
 * {@code {"error": {"message", "type", "code"}}}, so a client reads both alike.
 */
public record QueryAnswer(int status, JsonNode body) {

    public static final String NOT_FOUND = "NOT_FOUND";
    /** The stores are not queryable now (starting, restoring, rebalancing): ask again shortly. */
    public static final String UNAVAILABLE = "STORE_UNAVAILABLE";
    /** The instance that owns the key did not answer. */
    public static final String PEER_UNREACHABLE = "PEER_UNREACHABLE";

    public static QueryAnswer ok(JsonNode body) {
        return new QueryAnswer(200, body);
    }

    public static QueryAnswer error(int status, String code, String message) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", message);
        error.put("type", status >= 500 ? "server_error" : "invalid_request_error");
        error.put("code", code);
        return new QueryAnswer(status, body);
    }
}
