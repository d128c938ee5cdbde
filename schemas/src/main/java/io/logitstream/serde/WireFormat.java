package io.logitstream.serde;

import java.nio.ByteBuffer;

/**
 * The Confluent wire format: byte 0 is the magic byte 0, bytes 1..4 the big-endian schema id,
 * the rest the Avro binary encoding of the value.
 */
public final class WireFormat {

    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_SIZE = 5;

    private WireFormat() {
    }

    /** Writes the 5-byte header for {@code schemaId} at the buffer's position. */
    public static void writeHeader(ByteBuffer buffer, int schemaId) {
        buffer.put(MAGIC_BYTE).putInt(schemaId);
    }

    /**
     * Reads the schema id from a framed value and leaves the buffer positioned at the Avro payload.
     *
     * @throws RecordDecodeException when the bytes are not in the wire format
     */
    public static int readSchemaId(ByteBuffer buffer) {
        if (buffer.remaining() < HEADER_SIZE) {
            throw new RecordDecodeException(DecodeError.NOT_WIRE_FORMAT, "Value has " + buffer.remaining()
                    + " bytes, fewer than the 5-byte Confluent wire-format header; produce it with an Avro"
                    + " serializer that uses a schema registry");
        }
        byte magic = buffer.get();
        if (magic != MAGIC_BYTE) {
            throw new RecordDecodeException(DecodeError.NOT_WIRE_FORMAT, String.format(
                    "Value starts with byte 0x%02x, not the Confluent magic byte 0x00: it was not written by a"
                            + " schema-registry Avro serializer (plain JSON or raw Avro?)", magic));
        }
        return buffer.getInt();
    }
}
