package io.logitstream.serde;

import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro specific records in the Confluent wire format, registering the record's schema under
 * {@code <topic>-value} (the topic-name strategy) the first time a topic is written.
 */
public final class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    private final Schema schema;
    private final SpecificDatumWriter<T> writer;
    private SchemaRegistryClient registry;
    private boolean autoRegister = true;

    /** For Kafka's reflective construction; {@link #configure} supplies the registry. */
    public AvroSerializer(Class<T> type) {
        this(type, null);
    }

    public AvroSerializer(Class<T> type, SchemaRegistryClient registry) {
        this.schema = AvroSchemas.of(type);
        this.writer = new SpecificDatumWriter<>(schema);
        this.registry = registry;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        if (registry == null) {
            registry = new RestSchemaRegistryClient(SerdeConfig.registryUrl(configs));
        }
        autoRegister = SerdeConfig.autoRegister(configs);
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        int id = schemaId(topic);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        ByteBuffer header = ByteBuffer.allocate(WireFormat.HEADER_SIZE);
        WireFormat.writeHeader(header, id);
        out.write(header.array(), 0, WireFormat.HEADER_SIZE);
        try {
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot encode " + schema.getName() + " for topic " + topic + ": "
                    + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    private int schemaId(String topic) {
        if (registry == null) {
            throw new IllegalStateException("AvroSerializer has no schema registry: call configure() first");
        }
        String subject = topic + "-value";
        return autoRegister ? registry.register(subject, schema) : registry.lookup(subject, schema);
    }
}
