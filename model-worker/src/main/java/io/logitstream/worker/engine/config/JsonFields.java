package io.logitstream.worker.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Lenient readers for Hugging Face config files: a field may be absent, {@code null}, or spelled
 * in one of several ways (GPT-2's {@code n_embd} is Llama's {@code hidden_size}), and token ids may
 * be a number or a list of numbers.
 */
public final class JsonFields {
    private JsonFields() {
    }

    /** The first of {@code names} that is present and not null, or null. */
    public static JsonNode first(JsonNode node, String... names) {
        for (String name : names) {
            JsonNode v = node.get(name);
            if (v != null && !v.isNull()) {
                return v;
            }
        }
        return null;
    }

    public static Integer optInt(JsonNode node, String... names) {
        JsonNode v = first(node, names);
        return v == null ? null : v.asInt();
    }

    public static int reqInt(JsonNode node, String file, String... names) {
        Integer v = optInt(node, names);
        if (v == null) {
            throw new ConfigException(file + " has none of " + String.join(", ", names));
        }
        return v;
    }

    public static Double optDouble(JsonNode node, String... names) {
        JsonNode v = first(node, names);
        return v == null ? null : v.asDouble();
    }

    public static Boolean optBool(JsonNode node, String... names) {
        JsonNode v = first(node, names);
        return v == null ? null : v.asBoolean();
    }

    public static String optText(JsonNode node, String... names) {
        JsonNode v = first(node, names);
        return v == null ? null : v.asText();
    }

    /** A token id field that may hold one id or a list of ids; empty when absent. */
    public static Set<Integer> idSet(JsonNode node, String name) {
        Set<Integer> ids = new LinkedHashSet<>();
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) {
            return ids;
        }
        if (v.isArray()) {
            v.forEach(x -> ids.add(x.asInt()));
        } else {
            ids.add(v.asInt());
        }
        return ids;
    }
}
