package io.logitstream.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.SchemaValidationException;
import org.apache.avro.SchemaValidatorBuilder;

/**
 * A registry held in memory, for unit tests of pure logic (for example with Kafka Streams'
 * TopologyTestDriver). It enforces BACKWARD compatibility like a real registry's default.
 * Integration tests and deployments use {@link RestSchemaRegistryClient} against a real registry.
 */
public final class InMemorySchemaRegistryClient implements SchemaRegistryClient {

    private final AtomicInteger nextId = new AtomicInteger(1);
    private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> bySubject = new ConcurrentHashMap<>();

    @Override
    public synchronized int register(String subject, Schema schema) {
        Map<Schema, Integer> versions = bySubject.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer existing = versions.get(schema);
        if (existing != null) {
            return existing;
        }
        if (!isCompatible(subject, schema)) {
            throw new SchemaRegistryException("Schema for subject " + subject
                    + " is incompatible with its registered versions (BACKWARD)", 409, 409, null);
        }
        int id = byId.entrySet().stream().filter(e -> e.getValue().equals(schema)).map(Map.Entry::getKey)
                .findFirst().orElseGet(nextId::getAndIncrement);
        byId.put(id, schema);
        versions.put(schema, id);
        return id;
    }

    @Override
    public int lookup(String subject, Schema schema) {
        Integer id = bySubject.getOrDefault(subject, Map.of()).get(schema);
        if (id == null) {
            throw new SchemaRegistryException("Schema not registered under subject " + subject, 404, 40403, null);
        }
        return id;
    }

    @Override
    public Schema schemaById(int id) {
        Schema schema = byId.get(id);
        if (schema == null) {
            throw new SchemaRegistryException("Schema id " + id + " not found", 404, 40403, null);
        }
        return schema;
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        Map<Schema, Integer> versions = bySubject.getOrDefault(subject, Map.of());
        try {
            new SchemaValidatorBuilder().canReadStrategy().validateAll().validate(schema, versions.keySet());
            return true;
        } catch (SchemaValidationException e) {
            return false;
        }
    }

    @Override
    public void setCompatibility(String subject, String level) {
        // Only BACKWARD is modelled; tests that need other levels use a real registry.
    }

    @Override
    public String url() {
        return "mem://";
    }
}
