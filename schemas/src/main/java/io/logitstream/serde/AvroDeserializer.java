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
import org.apache.avro.SchemaCompatibility;
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
    /** Per writer id, the writer schema a reader was built for: rebuilt when the registry's answer changes. */
    private final Map<Integer, WriterReader<T>> readersByWriterId = new ConcurrentHashMap<>();
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
        if (registry == null) {
            throw new IllegalStateException("AvroDeserializer has no schema registry: call configure() first");
        }
        Schema writerSchema;
        try {
            // Asked on every value (a map lookup in the client): the client checks its cached ids with
            // the registry from time to time, and a changed answer must reach this cache too.
            writerSchema = registry.schemaById(writerId);
        } catch (SchemaRegistryException e) {
            DecodeError error = e.isNotFound() ? DecodeError.UNKNOWN_SCHEMA_ID
                    : e.isTransient() ? DecodeError.REGISTRY_UNAVAILABLE : DecodeError.INCOMPATIBLE_SCHEMA;
            throw new RecordDecodeException(error, e.getMessage(), e);
        }
        WriterReader<T> cached = readersByWriterId.get(writerId);
        if (cached != null && cached.writer() == writerSchema) {
            return cached.reader();
        }
        if (!AvroSchemas.sameRecordName(writerSchema, readerSchema)) {
            throw new RecordDecodeException(DecodeError.INCOMPATIBLE_SCHEMA, "Schema id " + writerId + " is "
                    + writerSchema.getFullName() + ", but a " + readerSchema.getFullName() + " was expected here");
        }
        // Checked before any byte is decoded: a writer schema this build cannot resolve (another record
        // under the same name, say, after a registry gave an id away) is refused instead of mis-read.
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writerSchema);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            throw new RecordDecodeException(DecodeError.INCOMPATIBLE_SCHEMA, "Schema id " + writerId + " ("
                    + writerSchema.getFullName() + ") cannot be read as this build's " + readerSchema.getFullName()
                    + ": " + compatibility.getDescription());
        }
        SpecificDatumReader<T> reader = new SpecificDatumReader<>(writerSchema, readerSchema);
        readersByWriterId.put(writerId, new WriterReader<>(writerSchema, reader));
        return reader;
    }

    private record WriterReader<T>(Schema writer, SpecificDatumReader<T> reader) {
    }
}
