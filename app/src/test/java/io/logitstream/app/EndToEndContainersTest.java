package io.logitstream.app;

import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The same end-to-end scenario against real container images: Apache Kafka's broker and
 * Confluent's Schema Registry (proving the serdes speak the Confluent REST API, not only
 * Apicurio's compatibility layer). Skipped where no Docker engine is available, such as CI here.
 */
@Testcontainers(disabledWithoutDocker = true)
class EndToEndContainersTest extends EndToEndScenario {

    private static final Network NETWORK = Network.newNetwork();

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.0")
            .withNetwork(NETWORK)
            .withListener("kafka:19092");

    @Container
    static final GenericContainer<?> REGISTRY = new GenericContainer<>("confluentinc/cp-schema-registry:7.9.0")
            .withNetwork(NETWORK)
            .withExposedPorts(8081)
            .withEnv("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
            .withEnv("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
            .withEnv("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:19092")
            .dependsOn(KAFKA)
            .waitingFor(Wait.forHttp("/subjects").forStatusCode(200));

    @Test
    void promptsFlowThroughTopologyAndWorkerToResultsTokensAndDeadLetters() throws Exception {
        runScenario(KAFKA.getBootstrapServers(),
                "http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8081));
    }
}
