package io.logitstream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The recovery defaults of the routing application's Kafka Streams settings. */
class TopologyConfigTest {

    private static Properties streams(Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(Map.of("bootstrap.servers", "b:9092", "schema.registry.url", "r"));
        settings.putAll(extra);
        return TopologyConfig.from(settings).streamsProperties();
    }

    @Test
    void theMainConsumerIsAStaticMemberNamedAfterHostAndStateDirectory() {
        Properties a = streams(Map.of("state.dir", "/var/lib/logitstream/a"));
        Properties again = streams(Map.of("state.dir", "/var/lib/logitstream/a"));
        Properties b = streams(Map.of("state.dir", "/var/lib/logitstream/b"));

        String id = a.getProperty("main.consumer.group.instance.id");
        assertThat(id).isNotBlank().isEqualTo(again.getProperty("main.consumer.group.instance.id"))
                .isNotEqualTo(b.getProperty("main.consumer.group.instance.id"));
        assertThat(a).doesNotContainKey("group.instance.id").containsEntry("session.timeout.ms", "10000");
    }

    @Test
    void anOperatorNamesTheInstanceAndTheSession() {
        Properties named = streams(Map.of(TopologyConfig.INSTANCE_ID_KEY, "router-1", "session.timeout.ms", "30000"));

        assertThat(named).containsEntry("main.consumer.group.instance.id", "router-1")
                .containsEntry("session.timeout.ms", "30000")
                .doesNotContainKey(TopologyConfig.INSTANCE_ID_KEY);
        assertThat(streams(Map.of("group.instance.id", "own"))).doesNotContainKey("main.consumer.group.instance.id");
    }

    @Test
    void theStreamsProtocolGetsNoStaticMembership() {
        assertThat(streams(Map.of("group.protocol", "streams")))
                .doesNotContainKeys("main.consumer.group.instance.id", "session.timeout.ms");
    }
}
