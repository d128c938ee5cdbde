package io.logitstream.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The one JSON mapper, and typed reads of request fields that fail with a 400 naming the field
 * (a client sending {@code "n": "2"} learns which field is wrong, not that "JSON" is).
 */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    /** The request body as a JSON object. */
    public static ObjectNode parseObject(byte[] body) {
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiError.invalid("The body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw ApiError.invalid("The body cannot be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiError.invalid("The body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    static boolean present(JsonNode body, String field) {
        return body.hasNonNull(field);
    }

    static String requiredString(JsonNode body, String field) {
        String value = optionalString(body, field);
        if (value == null) {
            throw ApiError.invalid("'" + field + "' is required");
        }
        return value;
    }

    static String optionalString(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ApiError.invalid("'" + field + "' must be a string");
        }
        return v.asText();
    }

    static Integer optionalInt(JsonNode body, String field, int min) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ApiError.invalid("'" + field + "' must be an integer");
        }
        if (v.asInt() < min) {
            throw ApiError.invalid("'" + field + "' must be at least " + min + ", got " + v.asInt());
        }
        return v.asInt();
    }

    static Long optionalLong(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiError.invalid("'" + field + "' must be an integer");
        }
        return v.asLong();
    }

    /** Ranges are the topology's to check: its message then comes back as the 400. */
    static Float optionalFloat(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw ApiError.invalid("'" + field + "' must be a number");
        }
        return v.floatValue();
    }

    static boolean optionalBoolean(JsonNode body, String field, boolean fallback) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw ApiError.invalid("'" + field + "' must be true or false");
        }
        return v.asBoolean();
    }

    /** A string or a list of strings (OpenAI's {@code stop}), as a list; null when absent. */
    static List<String> stringOrList(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            return List.of(v.asText());
        }
        if (v.isArray()) {
            List<String> out = new ArrayList<>();
            for (JsonNode item : v) {
                if (!item.isTextual()) {
                    throw ApiError.invalid("'" + field + "' must be a string or a list of strings");
                }
                out.add(item.asText());
            }
            return out.isEmpty() ? null : out;
        }
        throw ApiError.invalid("'" + field + "' must be a string or a list of strings");
    }
}
