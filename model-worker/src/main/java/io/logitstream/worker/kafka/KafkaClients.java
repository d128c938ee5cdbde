package io.logitstream.worker.kafka;

import io.logitstream.registry.SchemaRegistryClient;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * Where a worker gets the clients it talks to Kafka and the registry with. The default
 * ({@link #of(WorkerSettings)}) builds the real ones; unit tests pass Kafka's MockConsumer and
 * MockProducer and an in-memory registry. Each method is called once, by the worker's constructor;
 * the worker owns and closes what it gets.
 */
public interface KafkaClients {

    /** Reads the request topic: manual commits only, {@code read_committed}. */
    Consumer<byte[], byte[]> consumer();

    /** Writes results, dead letters and the consumed offsets in transactions; keys are raw bytes. */
    Producer<byte[], byte[]> transactionalProducer();

    /** Writes token chunks as they are produced, outside any transaction (idempotent). */
    Producer<String, byte[]> tokenProducer();

    /** Resolves and registers the Avro schemas of requests, results, chunks and dead letters. */
    SchemaRegistryClient registry();

    /** Creates the topics the worker reads and writes when they are missing; called once before consuming. */
    default void ensureTopics() {
    }

    /** The real clients, configured from the worker's settings. */
    static KafkaClients of(WorkerSettings settings) {
        return new DefaultKafkaClients(settings);
    }
}
