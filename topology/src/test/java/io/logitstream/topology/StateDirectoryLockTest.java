package io.logitstream.topology;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One topology per state directory: a second one stops with a message that says what to change. */
class StateDirectoryLockTest {

    @Test
    void aSecondTopologyOnTheSameStateDirectoryIsRefused(@TempDir Path stateDir) {
        TopologyConfig config = TopologyConfig.from(Map.of(
                "bootstrap.servers", "localhost:1", // nothing connects before start()
                "schema.registry.url", "http://localhost:1",
                "application.id", "lock-test",
                "state.dir", stateDir.toString()));
        try (TopologyApp first = new TopologyApp(config)) {
            assertThatThrownBy(() -> new TopologyApp(config))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(stateDir.toString())
                    .hasMessageContaining("Give each instance its own --state-dir");
        }
    }
}
