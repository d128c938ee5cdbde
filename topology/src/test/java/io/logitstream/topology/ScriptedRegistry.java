package io.logitstream.topology;

import io.logitstream.registry.InMemorySchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * An in-memory registry whose id lookups can be told to fail, the way a real registry answers:
 * for ever (a JSON Schema id, a 4xx) or the next n times (an outage that ends).
 */
final class ScriptedRegistry implements SchemaRegistryClient {

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final Map<Integer, SchemaRegistryException> failures = new HashMap<>();
    private final Map<Integer, Integer> failuresLeft = new HashMap<>();
    private int lookups;

    /** Lookups of {@code id} fail with {@code failure}, {@code times} times (-1: always). */
    void fail(int id, SchemaRegistryException failure, int times) {
        failures.put(id, failure);
        failuresLeft.put(id, times);
    }

    int lookups() {
        return lookups;
    }

    @Override
    public Schema schemaById(int id) {
        lookups++;
        Integer left = failuresLeft.get(id);
        if (left != null && left != 0) {
            failuresLeft.put(id, left - 1);
            throw failures.get(id);
        }
        return registry.schemaById(id);
    }

    @Override
    public int register(String subject, Schema schema) {
        return registry.register(subject, schema);
    }

    @Override
    public int lookup(String subject, Schema schema) {
        return registry.lookup(subject, schema);
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        return registry.isCompatible(subject, schema);
    }

    @Override
    public void setCompatibility(String subject, String level) {
        registry.setCompatibility(subject, level);
    }

    @Override
    public String url() {
        return "scripted://";
    }
}
