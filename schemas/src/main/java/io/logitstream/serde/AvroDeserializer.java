package io.logitstream.serde;

import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent wire-format values into Avro specific records, resolving the writer's schema
 * (looked up by id) against this build's reader schema, so that producers on an older or newer
 * compatible schema are read correctly. Failures are {@link RecordDecodeException}s that say why.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private final Schema readerSchema;
    private final Map<Integer, SpecificDatumReader<T>> readersByWriterId = new ConcurrentHashMap<>();
    private SchemaRegistryClient registry;

    public AvroDeserializer(Class<T> type) {
        this(type, null);
    }

    public AvroDeserializer(Class<T> type, SchemaRegistryClient registry) {
        this.readerSchema = AvroSchemas.of(type);
        this.registry = registry;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (registry == null) {
            registry = new RestSchemaRegistryClient(SerdeConfig.registryUrl(configs));
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(data);
        int writerId = WireFormat.readSchemaId(buffer);
        SpecificDatumReader<T> reader = readerFor(writerId);
        BinaryDecoder decoder = DecoderFactory.get()
                .binaryDecoder(data, buffer.position(), buffer.remaining(), null);
        try {
            T record = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new RecordDecodeException(DecodeError.CORRUPT_PAYLOAD, "Value on " + topic
                        + " has trailing bytes after the " + readerSchema.getName() + " record (schema id "
                        + writerId + ")");
            }
            return record;
        } catch (AvroTypeException e) {
            throw new RecordDecodeException(DecodeError.INCOMPATIBLE_SCHEMA, "Value on " + topic
                    + " (schema id " + writerId + ") cannot be read as " + readerSchema.getFullName() + ": "
                    + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            if (e instanceof RecordDecodeException decodeError) {
                throw decodeError;
            }
            throw new RecordDecodeException(DecodeError.CORRUPT_PAYLOAD, "Value on " + topic + " (schema id "
                    + writerId + ") is not valid Avro for its schema: " + e, e);
        }
    }

    private SpecificDatumReader<T> readerFor(int writerId) {
        SpecificDatumReader<T> cached = readersByWriterId.get(writerId);
        if (cached != null) {
            return cached;
        }
        if (registry == null) {
            throw new IllegalStateException("AvroDeserializer has no schema registry: call configure() first");
        }
        Schema writerSchema;
        try {
            writerSchema = registry.schemaById(writerId);
        } catch (SchemaRegistryException e) {
            DecodeError error = e.isNotFound() ? DecodeError.UNKNOWN_SCHEMA_ID : DecodeError.REGISTRY_UNAVAILABLE;
            throw new RecordDecodeException(error, e.getMessage(), e);
        }
        if (!AvroSchemas.sameRecordName(writerSchema, readerSchema)) {
            throw new RecordDecodeException(DecodeError.INCOMPATIBLE_SCHEMA, "Schema id " + writerId + " is "
                    + writerSchema.getFullName() + ", but a " + readerSchema.getFullName() + " was expected here");
        }
        SpecificDatumReader<T> reader = new SpecificDatumReader<>(writerSchema, readerSchema);
        readersByWriterId.put(writerId, reader);
        return reader;
    }
}
