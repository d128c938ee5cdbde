package io.logitstream.app;

import io.logitstream.testkit.EmbeddedKafkaCluster;
import io.logitstream.testkit.SchemaRegistryProcess;
import org.junit.jupiter.api.Test;

/** The end-to-end scenario on an in-process KRaft broker and the real Apicurio registry runner. */
class EndToEndTest extends EndToEndScenario {

    @Test
    void promptsFlowThroughTopologyAndWorkerToResultsTokensAndDeadLetters() throws Exception {
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                SchemaRegistryProcess registry = SchemaRegistryProcess.start()) {
            runScenario(kafka.bootstrapServers(), registry.url());
        }
    }
}
