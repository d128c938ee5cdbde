package io.logitstream.worker.kafka;

import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.registry.SchemaRegistryClient;
import java.util.Properties;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The real clients. Settings from the worker's client properties pass through; the ones the
 * delivery guarantees depend on (manual commits, read_committed, transactional id, acks=all,
 * idempotence) are forced.
 */
final class DefaultKafkaClients implements KafkaClients {

    private final WorkerSettings settings;

    DefaultKafkaClients(WorkerSettings settings) {
        this.settings = settings;
    }

    @Override
    public Consumer<byte[], byte[]> consumer() {
        Properties p = new Properties();
        p.putAll(settings.clientProperties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.workerId() + "-consumer");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(settings.maxBatch()));
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public Producer<byte[], byte[]> transactionalProducer() {
        Properties p = producerBase("-results");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.transactionalId());
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public Producer<String, byte[]> tokenProducer() {
        Properties p = producerBase("-tokens");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "0"); // a live stream wants each token out now
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    @Override
    public SchemaRegistryClient registry() {
        return new RestSchemaRegistryClient(settings.registryUrl());
    }

    @Override
    public void ensureTopics() {
        WorkerTopics.ensure(settings);
    }

    private Properties producerBase(String suffix) {
        Properties p = new Properties();
        p.putAll(settings.clientProperties());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, settings.workerId() + suffix);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return p;
    }
}
