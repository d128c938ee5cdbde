package io.logitstream.serde;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Walks an Avro binary payload with its writer schema before Avro decodes it, and allocates nothing
 * for what the bytes claim. Avro trusts length and count prefixes: a 41-byte value whose array block
 * claims 2^30 ints makes it allocate 4 GiB. Here every string or bytes length must fit in the bytes
 * that remain, and so must every block of items that take at least one byte each; items that take
 * no bytes (null, empty records) are capped in number, and nesting (recursive writer schemas) in
 * depth. The walk also notes the strings that are not valid UTF-8, which Avro would decode with
 * replacement characters without a word.
 *
 * <p>Chosen over Avro's {@code org.apache.avro.limits.*} system properties: those are read once per
 * JVM when {@code SystemLimitException} is first loaded (too late if anything decoded Avro before),
 * hold for every reader in the process, still let a collection allocate up to the limit whatever the
 * payload's size, and do not bound recursion.
 */
final class AvroPayloadGuard {

    /** Deeper than any LogitStream record (PromptRequest nests 4 levels) by far, shallow for the stack. */
    static final int MAX_DEPTH = 64;
    /** Items that take no bytes (null, empty records) in one payload. */
    static final long MAX_EMPTY_ITEMS = 1L << 20;
    private static final int MAX_REPORTED = 16;

    private final byte[] data;
    private final int end;
    private final String where;
    private int pos;
    private long emptyItems;
    private final List<String> malformedUtf8 = new ArrayList<>();

    private AvroPayloadGuard(byte[] data, int offset, int length, String where) {
        this.data = data;
        this.pos = offset;
        this.end = offset + length;
        this.where = where;
    }

    /**
     * Checks {@code length} bytes from {@code offset} against {@code writer}; returns the paths of the
     * strings that are not UTF-8 (at most 16), throws {@link RecordDecodeException} when Avro must not
     * be given the bytes. {@code where} opens every message (e.g. "Value on llm.prompts (schema id 3)").
     */
    static List<String> check(Schema writer, byte[] data, int offset, int length, String where) {
        AvroPayloadGuard guard = new AvroPayloadGuard(data, offset, length, where);
        guard.value(writer, "", 0);
        return List.copyOf(guard.malformedUtf8);
    }

    private void value(Schema schema, String path, int depth) {
        if (depth > MAX_DEPTH) {
            throw violation(DecodeError.LIMIT_EXCEEDED, "nests deeper than " + MAX_DEPTH + " levels at " + path);
        }
        switch (schema.getType()) {
            case NULL -> { }
            case BOOLEAN -> skip(1, path);
            case INT -> varLong(5, path);
            case LONG -> varLong(10, path);
            case FLOAT -> skip(4, path);
            case DOUBLE -> skip(8, path);
            case FIXED -> skip(schema.getFixedSize(), path);
            case BYTES -> skip(length(path), path);
            case STRING -> string(path);
            case ENUM -> index(schema.getEnumSymbols().size(), path);
            case UNION -> value(schema.getTypes().get(index(schema.getTypes().size(), path)), path, depth + 1);
            case RECORD -> {
                for (Schema.Field field : schema.getFields()) {
                    value(field.schema(), path.isEmpty() ? field.name() : path + "." + field.name(), depth + 1);
                }
            }
            case ARRAY -> blocks(schema.getElementType(), false, path + "[]", depth);
            case MAP -> blocks(schema.getValueType(), true, path + "{}", depth);
        }
    }

    private void blocks(Schema item, boolean withKeys, String path, int depth) {
        int itemMinBytes = minBytes(item, 0) + (withKeys ? 1 : 0);
        long count;
        while ((count = varLong(10, path)) != 0) {
            if (count < 0) {
                if (count == Long.MIN_VALUE) {
                    throw violation(DecodeError.CORRUPT_PAYLOAD, path + " has an invalid block count");
                }
                count = -count;
                length(path); // a negative count is followed by the block's size in bytes, which must fit
            }
            if (itemMinBytes > 0 && count > (end - pos) / itemMinBytes) {
                throw violation(DecodeError.CORRUPT_PAYLOAD, path + " claims a block of " + count
                        + " items, but only " + (end - pos) + " bytes remain");
            }
            if (itemMinBytes == 0 && (emptyItems += count) > MAX_EMPTY_ITEMS) {
                throw violation(DecodeError.LIMIT_EXCEEDED, path + " holds more than " + MAX_EMPTY_ITEMS
                        + " items that take no bytes");
            }
            for (long i = 0; i < count; i++) {
                if (withKeys) {
                    string(path + ".key");
                }
                value(item, path, depth + 1);
            }
        }
    }

    /** The fewest bytes one value of {@code schema} takes; 0 when it can take none. */
    private static int minBytes(Schema schema, int depth) {
        return switch (schema.getType()) {
            case NULL -> 0;
            case FLOAT -> 4;
            case DOUBLE -> 8;
            case FIXED -> schema.getFixedSize();
            case RECORD -> {
                long sum = 0;
                if (depth < MAX_DEPTH) {
                    for (Schema.Field field : schema.getFields()) {
                        sum += minBytes(field.schema(), depth + 1);
                    }
                }
                yield (int) Math.min(sum, Integer.MAX_VALUE);
            }
            default -> 1; // booleans, varints, lengths, enum and union indexes, the end of a collection
        };
    }

    private void string(String path) {
        int length = length(path);
        if (!Utf8Check.isValid(data, pos, length) && malformedUtf8.size() < MAX_REPORTED) {
            malformedUtf8.add(path);
        }
        pos += length;
    }

    /** A length prefix, checked against the bytes that remain. */
    private int length(String path) {
        long length = varLong(10, path);
        if (length < 0 || length > end - pos) {
            throw violation(DecodeError.CORRUPT_PAYLOAD, path + " claims a length of " + length + " bytes, but only "
                    + (end - pos) + " remain");
        }
        return (int) length;
    }

    private int index(int size, String path) {
        long index = varLong(5, path);
        if (index < 0 || index >= size) {
            throw violation(DecodeError.CORRUPT_PAYLOAD, path + " has index " + index + " of " + size + " choices");
        }
        return (int) index;
    }

    private void skip(int bytes, String path) {
        if (bytes > end - pos) {
            throw violation(DecodeError.CORRUPT_PAYLOAD, "ends early" + in(path));
        }
        pos += bytes;
    }

    /** A zig-zag varint of at most {@code maxBytes} bytes (5 for an int, 10 for a long), as Avro writes it. */
    private long varLong(int maxBytes, String path) {
        long raw = 0;
        for (int shift = 0, read = 0; read < maxBytes; shift += 7, read++) {
            if (pos >= end) {
                throw violation(DecodeError.CORRUPT_PAYLOAD, "ends early" + in(path));
            }
            int b = data[pos++] & 0xff;
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw violation(DecodeError.CORRUPT_PAYLOAD, "has an invalid varint" + in(path));
    }

    private static String in(String path) {
        return path.isEmpty() ? "" : " in " + path;
    }

    private RecordDecodeException violation(DecodeError error, String detail) {
        return new RecordDecodeException(error, where + " is not safe to decode: " + detail);
    }
}
