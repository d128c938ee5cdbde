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
 * idempotence, static membership under the worker id) are forced. The session timeout recovery
 * depends on gets a default an operator may override (see
 * {@link WorkerSettings#SESSION_TIMEOUT_MS_DEFAULT}).
 */
final class DefaultKafkaClients implements KafkaClients {

    private final WorkerSettings settings;

    DefaultKafkaClients(WorkerSettings settings) {
        this.settings = settings;
    }

    @Override
    public Consumer<byte[], byte[]> consumer() {
        return new KafkaConsumer<>(consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    Properties consumerProperties() {
        Properties p = new Properties();
        p.putAll(settings.clientProperties());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.workerId() + "-consumer");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(settings.maxBatch()));
        membershipDefaults(p);
        return p;
    }

    @Override
    public Producer<byte[], byte[]> transactionalProducer() {
        return new KafkaProducer<>(transactionalProducerProperties(), new ByteArraySerializer(),
                new ByteArraySerializer());
    }

    Properties transactionalProducerProperties() {
        Properties p = producerBase("-results");
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.transactionalId());
        // transaction.timeout.ms stays Kafka's (60 s) unless configured: a dead worker's open transaction
        // holds back read_committed readers of the results and the next owner of its partitions until
        // the coordinator aborts it (a restart under the same id aborts it at once, in initTransactions),
        // but a shorter timeout lets a broker outage of that length abort a live worker's transaction,
        // which fences the worker and stops it.
        return p;
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

    /**
     * Static membership: the member is its worker id, so an incarnation restarted under the same id
     * (after a crash, {@code kill -9} included) takes over the dead one's partitions at once, without
     * a rebalance and without waiting for the session to expire. The session timeout then only
     * bounds how long a worker that does not come back keeps its partitions.
     *
     * <p>Only under the classic protocol, the default. Under the consumer protocol (KIP-848,
     * {@code group.protocol=consumer}) the broker refuses a static member whose instance id an
     * unexpired member still holds (measured: the restarted worker failed at once with
     * UnreleasedInstanceIdException), and the session timeout is the broker's (45 s at least by
     * default), so there a worker joins as a dynamic member.
     */
    private void membershipDefaults(Properties p) {
        if ("consumer".equalsIgnoreCase(String.valueOf(p.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG)).trim())) {
            p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
            return;
        }
        // Forced, like the transactional id: one id shared by two workers (from a shared config file)
        // would make them fence each other in turn.
        p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.workerId());
        p.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                Integer.toString(WorkerSettings.SESSION_TIMEOUT_MS_DEFAULT));
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
