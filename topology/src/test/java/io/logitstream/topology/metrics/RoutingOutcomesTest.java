package io.logitstream.topology.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.contract.Topics;
import io.logitstream.registry.InMemorySchemaRegistryClient;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import io.logitstream.serde.AvroSerializer;
import io.logitstream.topology.PromptRoutingTopology;
import io.logitstream.topology.route.InspectProcessor;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.stream.IntStream;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every routing decision is counted once, under its kind, model and code. */
class RoutingOutcomesTest {

    private final Topics topics = Topics.defaults();
    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final AvroSerializer<PromptRequest> serializer = new AvroSerializer<>(PromptRequest.class, registry);
    private final MeterRegistry meters = new SimpleMeterRegistry();

    @TempDir
    Path stateDir;

    @Test
    void routedDeadLetteredAndAnsweredRequestsAreCountedByModelAndCode() {
        var topology = new PromptRoutingTopology(topics, Set.of("tiny-gpt2"), Duration.ofHours(1), registry,
                topic -> { }).observedBy(new RoutingOutcomes(meters)).build();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "outcomes-test");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
            TestInputTopic<byte[], byte[]> prompts = driver.createInputTopic(topics.prompts(),
                    new ByteArraySerializer(), new ByteArraySerializer());
            send(prompts, score("a", "tiny-gpt2"));
            send(prompts, score("b", "tiny-gpt2"));
            send(prompts, score("a", "tiny-gpt2"));
            send(prompts, score("c", "nobody-serves-this"));
            prompts.pipeInput(null, "not avro".getBytes(StandardCharsets.UTF_8));
            send(prompts, PromptRequest.newBuilder(score("d", "tiny-gpt2")).setText(null).build());
        }

        assertThat(count("logitstream.topology.routed", "model", "tiny-gpt2")).isEqualTo(2);
        assertThat(count("logitstream.topology.error.results", "model", "tiny-gpt2", "code", ErrorCodes.DUPLICATE))
                .isEqualTo(1);
        assertThat(count("logitstream.topology.error.results", "model", "nobody-serves-this", "code",
                ErrorCodes.UNKNOWN_MODEL)).isEqualTo(1);
        assertThat(count("logitstream.topology.dead.letters", "stage", InspectProcessor.STAGE_DESERIALIZE, "code",
                ErrorCodes.UNDECODABLE)).isEqualTo(1);
        assertThat(count("logitstream.topology.dead.letters", "stage", InspectProcessor.STAGE_VALIDATE, "code",
                ErrorCodes.INVALID_REQUEST)).isEqualTo(1);
    }

    @Test
    void modelLabelsFromRequestsAreBounded() {
        BoundedLabel models = new BoundedLabel(3);
        IntStream.range(0, 3).forEach(i -> assertThat(models.of("m" + i)).isEqualTo("m" + i));
        assertThat(models.of("m3")).isEqualTo(BoundedLabel.OTHER);
        assertThat(models.of("m1")).isEqualTo("m1");
        assertThat(models.of(null)).isEqualTo(BoundedLabel.NONE);
        assertThat(new BoundedLabel(3).of("x".repeat(500))).hasSize(BoundedLabel.MAX_CHARS);
    }

    private double count(String name, String... tags) {
        var counter = meters.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    private void send(TestInputTopic<byte[], byte[]> prompts, PromptRequest request) {
        prompts.pipeInput(request.getRequestId().getBytes(StandardCharsets.UTF_8),
                serializer.serialize(topics.prompts(), request));
    }

    private static PromptRequest score(String id, String model) {
        return PromptRequest.newBuilder().setRequestId(id).setModel(model).setTask(Task.SCORE).setText("Hello").build();
    }
}
