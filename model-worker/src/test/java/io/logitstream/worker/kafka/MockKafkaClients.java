package io.logitstream.worker.kafka;

import io.logitstream.registry.InMemorySchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryClient;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Kafka's own mocks and an in-memory registry, handed to the worker through its client factory. */
final class MockKafkaClients implements KafkaClients {

    final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    final MockProducer<String, byte[]> tokens =
            new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer());
    final InMemorySchemaRegistryClient registry;

    MockKafkaClients(InMemorySchemaRegistryClient registry) {
        this.registry = registry;
    }

    @Override
    public MockConsumer<byte[], byte[]> consumer() {
        return consumer;
    }

    @Override
    public MockProducer<byte[], byte[]> transactionalProducer() {
        return producer;
    }

    @Override
    public MockProducer<String, byte[]> tokenProducer() {
        return tokens;
    }

    @Override
    public SchemaRegistryClient registry() {
        return registry;
    }
}
