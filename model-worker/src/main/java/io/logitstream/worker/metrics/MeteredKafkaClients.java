package io.logitstream.worker.metrics;

import io.logitstream.metrics.PrometheusEndpoint;
import io.logitstream.registry.SchemaRegistryClient;
import io.logitstream.worker.kafka.KafkaClients;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * The worker's Kafka clients with their own metrics (fetch and produce rates, lag, request
 * latencies, transaction times) bound to the worker's registry as {@code kafka_consumer_*} and
 * {@code kafka_producer_*}, told apart by their {@code client_id}.
 */
final class MeteredKafkaClients implements KafkaClients {

    private final KafkaClients delegate;
    private final PrometheusEndpoint endpoint;

    MeteredKafkaClients(KafkaClients delegate, PrometheusEndpoint endpoint) {
        this.delegate = delegate;
        this.endpoint = endpoint;
    }

    @Override
    public Consumer<byte[], byte[]> consumer() {
        Consumer<byte[], byte[]> consumer = delegate.consumer();
        endpoint.closeWith(new KafkaClientMetrics(consumer)).bindTo(endpoint.registry());
        return consumer;
    }

    @Override
    public Producer<byte[], byte[]> transactionalProducer() {
        return bound(delegate.transactionalProducer());
    }

    @Override
    public Producer<String, byte[]> tokenProducer() {
        return bound(delegate.tokenProducer());
    }

    private <K> Producer<K, byte[]> bound(Producer<K, byte[]> producer) {
        endpoint.closeWith(new KafkaClientMetrics(producer)).bindTo(endpoint.registry());
        return producer;
    }

    @Override
    public SchemaRegistryClient registry() {
        return delegate.registry();
    }

    @Override
    public void ensureTopics() {
        delegate.ensureTopics();
    }
}
