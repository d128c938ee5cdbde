package io.logitstream.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaOptionsTest {

    @Test
    void environmentVariablesNameKafkaClientSettings() {
        Map<String, String> settings = KafkaOptions.fromEnvironment(Map.of(
                "LOGITSTREAM_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "LOGITSTREAM_KAFKA_SASL_JAAS_CONFIG", "secret",
                "LOGITSTREAM_KAFKA_LOG_LEVEL", "DEBUG",
                "LOGITSTREAM_BOOTSTRAP_SERVERS", "broker:9092",
                "PATH", "/usr/bin"));

        assertThat(settings).containsExactlyInAnyOrderEntriesOf(Map.of(
                "security.protocol", "SASL_SSL",
                "sasl.jaas.config", "secret"));
    }
}
