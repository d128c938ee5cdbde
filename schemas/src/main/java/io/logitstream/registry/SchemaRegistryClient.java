package io.logitstream.registry;

import org.apache.avro.Schema;

/**
 * The part of a Confluent-compatible schema registry that LogitStream needs. Any registry that
 * speaks the Confluent REST API serves it: Confluent Schema Registry, Apicurio's ccompat API,
 * Redpanda, Karapace.
 */
public interface SchemaRegistryClient {

    /** Registers {@code schema} under {@code subject} (or finds it there) and returns its global id. */
    int register(String subject, Schema schema);

    /**
     * The id of {@code schema} when it is already registered under {@code subject}; throws
     * {@link SchemaRegistryException} (not found) otherwise. For producers that must not register.
     */
    int lookup(String subject, Schema schema);

    /** The schema with this global id; throws {@link SchemaRegistryException} when the id is unknown. */
    Schema schemaById(int id);

    /** Whether {@code schema} could be registered under {@code subject} given its compatibility rule. */
    boolean isCompatible(String subject, Schema schema);

    /** Sets the compatibility rule of one subject, e.g. {@code BACKWARD}. */
    void setCompatibility(String subject, String level);

    /** The base URL, for messages. */
    String url();
}
