package io.logitstream.serde;

import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent wire-format values into Avro specific records, resolving the writer's schema
 * (looked up by id) against this build's reader schema, so that producers on an older or newer
 * compatible schema are read correctly. Failures are {@link RecordDecodeException}s that say why;
 * only {@link DecodeError#REGISTRY_UNAVAILABLE} is transient. No value, whatever its bytes, makes it
 * allocate more than the value's size or recurse without bound ({@link AvroPayloadGuard}).
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private final Schema readerSchema;
    /** Per writer id, the writer schema a reader was built for: rebuilt when the registry's answer changes. */
    private final Map<Integer, Reader<T>> readersByWriterId = new ConcurrentHashMap<>();
    private SchemaRegistryClient registry;

    private record Reader<T>(Schema writer, SpecificDatumReader<T> reader) {
    }

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

    /** Decodes leniently: strings that are not UTF-8 come back with replacement characters. */
    @Override
    public T deserialize(String topic, byte[] data) {
        DecodedRecord<T> decoded = decode(topic, data);
        return decoded == null ? null : decoded.value();
    }

    @Override
    public T deserialize(String topic, Headers headers, byte[] data) {
        return deserialize(topic, data);
    }

    /** Decodes and reports which strings were not UTF-8; null for a null value (a tombstone). */
    public DecodedRecord<T> decode(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.wrap(data);
        int writerId = WireFormat.readSchemaId(buffer);
        Reader<T> reader = readerFor(writerId);
        String where = "Value on " + topic + " (schema id " + writerId + ")";
        List<String> malformed = AvroPayloadGuard.check(reader.writer(), data, buffer.position(), buffer.remaining(),
                where);
        BinaryDecoder decoder = DecoderFactory.get()
                .binaryDecoder(data, buffer.position(), buffer.remaining(), null);
        try {
            T record = reader.reader().read(null, decoder);
            if (!decoder.isEnd()) {
                throw new RecordDecodeException(DecodeError.CORRUPT_PAYLOAD, where + " has trailing bytes after the "
                        + readerSchema.getName() + " record");
            }
            return new DecodedRecord<>(record, malformed);
        } catch (AvroTypeException e) {
            throw new RecordDecodeException(DecodeError.INCOMPATIBLE_SCHEMA, where + " cannot be read as "
                    + readerSchema.getFullName() + ": " + e.getMessage(), e);
        } catch (RecordDecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new RecordDecodeException(DecodeError.CORRUPT_PAYLOAD, where + " is not valid Avro for its schema: "
                    + e, e);
        } catch (StackOverflowError | OutOfMemoryError e) {
            // The guard should make these impossible; if a value still provokes one, it is that value's fault.
            throw new RecordDecodeException(DecodeError.LIMIT_EXCEEDED, where + " exhausted the reader (" + e
                    + ")", e);
        }
    }

    private Reader<T> readerFor(int writerId) {
        if (registry == null) {
            throw new IllegalStateException("AvroDeserializer has no schema registry: call configure() first");
        }
        // Asked on every value (a map lookup in the client): the client checks its cached ids with the
        // registry from time to time, and a changed answer must reach this cache too.
        Schema writerSchema = writerSchema(writerId);
        Reader<T> cached = readersByWriterId.get(writerId);
        if (cached != null && cached.writer() == writerSchema) {
            return cached;
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
        Reader<T> reader = new Reader<>(writerSchema, new SpecificDatumReader<>(writerSchema, readerSchema));
        readersByWriterId.put(writerId, reader);
        return reader;
    }

    private Schema writerSchema(int writerId) {
        try {
            return registry.schemaById(writerId);
        } catch (SchemaRegistryException e) {
            throw new RecordDecodeException(RegistryFailures.classify(e), e.getMessage(), e);
        } catch (RuntimeException e) {
            // The registry answered, with a schema text this reader cannot parse: the id's fault, not the registry's.
            throw new RecordDecodeException(DecodeError.UNSUPPORTED_SCHEMA, "Schema id " + writerId
                    + " does not parse as an Avro schema: " + e.getMessage(), e);
        }
    }
}
