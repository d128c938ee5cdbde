package io.logitstream.worker.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The client settings recovery and security depend on, without a broker. */
class DefaultKafkaClientsTest {

    private static DefaultKafkaClients clients(Map<String, String> config) {
        return new DefaultKafkaClients(WorkerSettings.of("broker:9092", "http://registry", "gpt2", "w-1", config));
    }

    @Test
    void theWorkerIdIsAStaticMemberWithABoundedSession() {
        Properties consumer = clients(Map.of("group.instance.id", "shared-by-mistake")).consumerProperties();

        assertThat(consumer).containsEntry("group.instance.id", "w-1")
                .containsEntry("session.timeout.ms", "10000")
                .containsEntry("group.id", "logitstream-worker.gpt2")
                .containsEntry("isolation.level", "read_committed");
    }

    @Test
    void anOperatorChoosesTheTimeouts() {
        DefaultKafkaClients clients = clients(Map.of("session.timeout.ms", "30000", "transaction.timeout.ms", "20000"));

        assertThat(clients.consumerProperties()).containsEntry("session.timeout.ms", "30000");
        assertThat(clients.transactionalProducerProperties()).containsEntry("transaction.timeout.ms", "20000");
    }

    @Test
    void theConsumerProtocolGetsADynamicMemberAndTheBrokersSessionTimeout() {
        Properties consumer = clients(Map.of("group.protocol", "consumer", "group.instance.id", "x"))
                .consumerProperties();

        assertThat(consumer).doesNotContainKeys("session.timeout.ms", "group.instance.id");
    }

    @Test
    void securitySettingsReachTheConsumerAndTheResultsProducer() {
        Map<String, String> security = Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", "x required;", "ssl.truststore.location", "/etc/truststore.jks");
        DefaultKafkaClients clients = clients(security);

        security.forEach((k, v) -> {
            assertThat(clients.consumerProperties()).containsEntry(k, v);
            assertThat(clients.transactionalProducerProperties()).containsEntry(k, v);
        });
        assertThat(clients.transactionalProducerProperties())
                .containsEntry("transactional.id", "logitstream-worker.gpt2.w-1");
    }
}
