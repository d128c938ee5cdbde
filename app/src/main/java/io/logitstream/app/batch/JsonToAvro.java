package io.logitstream.app.batch;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.Schema.Field;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;

/**
 * Reads a JSON object into a generated Avro record, field by field as the schema names them
 * (snake_case): an optional field is the plain value or null (not Avro's {"string": ...} union
 * encoding), an enum is its symbol, bytes are base64. Unknown fields and values of the wrong type
 * are refused with the path of the field, so a typo in a batch file is reported, not ignored.
 */
final class JsonToAvro {

    /** A JSON value that does not fit the schema; the message names the field. */
    static final class MismatchException extends Exception {
        MismatchException(String message) {
            super(message);
        }
    }

    private static final SpecificData DATA = SpecificData.get();

    private JsonToAvro() {
    }

    @SuppressWarnings("unchecked")
    static <T extends IndexedRecord> T read(JsonNode json, Schema schema) throws MismatchException {
        return (T) record(json, schema, "");
    }

    private static Object record(JsonNode json, Schema schema, String path) throws MismatchException {
        if (!json.isObject()) {
            throw mismatch(path, "an object", json);
        }
        IndexedRecord record = (IndexedRecord) DATA.newRecord(null, schema);
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (schema.getField(name) == null) {
                throw new MismatchException("unknown field '" + join(path, name) + "'");
            }
        }
        for (Field field : schema.getFields()) {
            JsonNode value = json.get(field.name());
            if (value != null) {
                record.put(field.pos(), value(value, field.schema(), join(path, field.name())));
            } else if (hasNullDefault(field)) {
                continue; // a new record's fields are null already: the common case, kept cheap
            } else if (field.hasDefaultValue()) {
                record.put(field.pos(), DATA.getDefaultValue(field));
            } else {
                throw new MismatchException("missing field '" + join(path, field.name()) + "'");
            }
        }
        return record;
    }

    /** A union whose first branch is null can only default to null (Avro's rule), without decoding the default. */
    private static boolean hasNullDefault(Field field) {
        Schema schema = field.schema();
        return field.hasDefaultValue() && schema.getType() == Schema.Type.UNION
                && schema.getTypes().get(0).getType() == Schema.Type.NULL;
    }

    private static Object value(JsonNode json, Schema schema, String path) throws MismatchException {
        switch (schema.getType()) {
            case UNION:
                return union(json, schema, path);
            case NULL:
                if (json.isNull()) {
                    return null;
                }
                throw mismatch(path, "null", json);
            case RECORD:
                return record(json, schema, path);
            case STRING:
                if (json.isTextual()) {
                    return json.textValue();
                }
                throw mismatch(path, "a string", json);
            case BOOLEAN:
                if (json.isBoolean()) {
                    return json.booleanValue();
                }
                throw mismatch(path, "true or false", json);
            case INT:
                if (json.isIntegralNumber() && json.canConvertToInt()) {
                    return json.intValue();
                }
                throw mismatch(path, "an integer", json);
            case LONG:
                if (json.isIntegralNumber() && json.canConvertToLong()) {
                    return json.longValue();
                }
                throw mismatch(path, "an integer", json);
            case FLOAT:
                if (json.isNumber()) {
                    return json.floatValue();
                }
                throw mismatch(path, "a number", json);
            case DOUBLE:
                if (json.isNumber()) {
                    return json.doubleValue();
                }
                throw mismatch(path, "a number", json);
            case ENUM:
                return enumSymbol(json, schema, path);
            case ARRAY:
                return array(json, schema, path);
            case MAP:
                return map(json, schema, path);
            case BYTES:
                return bytes(json, path);
            default:
                throw new MismatchException("field '" + path + "' has type " + schema.getType()
                        + ", which batch files cannot set");
        }
    }

    private static Object union(JsonNode json, Schema union, String path) throws MismatchException {
        if (json.isNull() && union.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL)) {
            return null;
        }
        MismatchException first = null;
        for (Schema branch : union.getTypes()) {
            if (branch.getType() == Schema.Type.NULL) {
                continue;
            }
            try {
                return value(json, branch, path);
            } catch (MismatchException e) {
                first = first == null ? e : first;
            }
        }
        throw first != null ? first : mismatch(path, "null", json);
    }

    private static Object enumSymbol(JsonNode json, Schema schema, String path) throws MismatchException {
        String symbol = json.isTextual() ? json.textValue().toUpperCase(Locale.ROOT) : null;
        if (symbol == null || !schema.getEnumSymbols().contains(symbol)) {
            throw mismatch(path, "one of " + String.join(", ", schema.getEnumSymbols()), json);
        }
        return DATA.createEnum(symbol, schema);
    }

    private static Object array(JsonNode json, Schema schema, String path) throws MismatchException {
        if (!json.isArray()) {
            throw mismatch(path, "an array", json);
        }
        List<Object> out = new ArrayList<>(json.size());
        for (int i = 0; i < json.size(); i++) {
            out.add(value(json.get(i), schema.getElementType(), path + "[" + i + "]"));
        }
        return out;
    }

    private static Object map(JsonNode json, Schema schema, String path) throws MismatchException {
        if (!json.isObject()) {
            throw mismatch(path, "an object", json);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            out.put(entry.getKey(), value(entry.getValue(), schema.getValueType(), path + "." + entry.getKey()));
        }
        return out;
    }

    private static Object bytes(JsonNode json, String path) throws MismatchException {
        if (json.isTextual()) {
            try {
                return ByteBuffer.wrap(Base64.getDecoder().decode(json.textValue()));
            } catch (IllegalArgumentException e) {
                // reported below
            }
        }
        throw mismatch(path, "base64 bytes", json);
    }

    private static MismatchException mismatch(String path, String expected, JsonNode actual) {
        String shown = actual.toString();
        if (shown.length() > 60) {
            shown = shown.substring(0, 57) + "...";
        }
        return new MismatchException("field '" + path + "' must be " + expected + ", got " + shown);
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
