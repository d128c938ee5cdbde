package io.logitstream.worker.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The record size limit worker-side dead letters are cut to: the producer's max.request.size. */
class WorkerSettingsTest {

    private static WorkerSettings settings(Map<String, ?> config) {
        return WorkerSettings.of("b:9092", "http://r", "tiny", "w1", config);
    }

    @Test
    void maxRecordBytesIsTheProducersMaxRequestSizeOrKafkasDefault() {
        assertThat(settings(Map.of()).maxRecordBytes()).isEqualTo(1_048_576);
        assertThat(settings(Map.of("max.request.size", "4194304")).maxRecordBytes()).isEqualTo(4_194_304);
        assertThat(settings(Map.of("max.request.size", 262_144)).maxRecordBytes()).isEqualTo(262_144);
    }

    @Test
    void aMaxRequestSizeThatIsNotANumberIsRefused() {
        assertThatThrownBy(() -> settings(Map.of("max.request.size", "1MB")).maxRecordBytes())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max.request.size");
    }
}
