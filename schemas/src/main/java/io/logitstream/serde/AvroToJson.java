package io.logitstream.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema.Field;
import org.apache.avro.generic.IndexedRecord;

/**
 * Writes an Avro record as plain JSON, the way a batch file's reader expects it: fields by their
 * schema names in schema order, optional values as the value or null (no union wrappers), enums as
 * their symbols, bytes as base64: how {@code submit} writes its results file and how the topology
 * serves results over HTTP (the inverse of submit's JSON-to-Avro mapping for the contract's records).
 */
public final class AvroToJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private AvroToJson() {
    }

    public static ObjectNode record(IndexedRecord record) {
        ObjectNode out = NODES.objectNode();
        fill(out, record);
        return out;
    }

    /** Adds the fields of {@code record} to {@code out} (after what it already holds). */
    public static void fill(ObjectNode out, IndexedRecord record) {
        for (Field field : record.getSchema().getFields()) {
            out.set(field.name(), value(record.get(field.pos())));
        }
    }

    public static JsonNode value(Object value) {
        if (value == null) {
            return NODES.nullNode();
        }
        if (value instanceof IndexedRecord r) {
            return record(r);
        }
        if (value instanceof CharSequence || value instanceof Enum<?>) {
            return NODES.textNode(value.toString());
        }
        if (value instanceof Integer i) {
            return NODES.numberNode(i);
        }
        if (value instanceof Long l) {
            return NODES.numberNode(l);
        }
        if (value instanceof Float f) {
            return NODES.numberNode(f);
        }
        if (value instanceof Double d) {
            return NODES.numberNode(d);
        }
        if (value instanceof Boolean b) {
            return NODES.booleanNode(b);
        }
        if (value instanceof ByteBuffer buffer) {
            byte[] bytes = new byte[buffer.remaining()];
            buffer.duplicate().get(bytes);
            return NODES.textNode(Base64.getEncoder().encodeToString(bytes));
        }
        if (value instanceof Collection<?> items) {
            ArrayNode array = NODES.arrayNode(items.size());
            items.forEach(item -> array.add(value(item)));
            return array;
        }
        if (value instanceof Map<?, ?> map) {
            ObjectNode object = NODES.objectNode();
            map.forEach((k, v) -> object.set(k.toString(), value(v)));
            return object;
        }
        return NODES.textNode(value.toString()); // GenericEnumSymbol, Utf8 subclasses
    }
}
