package io.logitstream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.contract.Topics;
import io.logitstream.registry.InMemorySchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroSerializer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptRoutingTopologyTest {

    private final Topics topics = Topics.defaults();
    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final List<String> createdTopics = new ArrayList<>();
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> prompts;
    private TestOutputTopic<String, PromptRequest> gpt2Requests;
    private TestOutputTopic<String, DeadLetter> deadLetters;
    private TestOutputTopic<String, ScoringResult> results;
    private final AvroSerializer<PromptRequest> requestSerializer = new AvroSerializer<>(PromptRequest.class, registry);

    /** Its own per test: the driver locks it, and another build may run these tests at the same time. */
    @TempDir
    Path stateDir;

    @BeforeEach
    void setUp() {
        var topology = new PromptRoutingTopology(topics, Set.of("tiny-gpt2"), Duration.ofHours(1), registry,
                createdTopics::add).build();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "routing-test");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()); // the dedupe store is on disk
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(topology, props);
        prompts = driver.createInputTopic(topics.prompts(), new ByteArraySerializer(), new ByteArraySerializer());
        gpt2Requests = driver.createOutputTopic(topics.requestsFor("tiny-gpt2"), new StringDeserializer(),
                new AvroDeserializer<>(PromptRequest.class, registry));
        deadLetters = driver.createOutputTopic(topics.deadLetters(), new StringDeserializer(),
                new AvroDeserializer<>(DeadLetter.class, registry));
        results = driver.createOutputTopic(topics.results(), new StringDeserializer(),
                new AvroDeserializer<>(ScoringResult.class, registry));
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void validRequestIsRoutedToItsModelTopicKeyedByRequestId() {
        send("r1", score("r1", "tiny-gpt2", "Hello world"));

        var out = gpt2Requests.readKeyValue();
        assertThat(out.key).isEqualTo("r1");
        assertThat(out.value.getText()).isEqualTo("Hello world");
        assertThat(createdTopics).contains("llm.requests.tiny-gpt2");
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void requestsOfASessionAreRoutedKeyedByTheirOwnRequestIds() {
        // The partition (one per session) is checked on a real broker in TopologyAppIntegrationTest;
        // the test driver has one partition per topic. Here: the key is still the request_id.
        send("t1", PromptRequest.newBuilder(score("t1", "tiny-gpt2", "Turn one")).setSessionId("chat-1").build());
        send("t2", PromptRequest.newBuilder(score("t2", "tiny-gpt2", "Turn one. Turn two")).setSessionId("chat-1").build());

        assertThat(gpt2Requests.readKeyValuesToList())
                .extracting(kv -> kv.key + "/" + kv.value.getSessionId())
                .containsExactly("t1/chat-1", "t2/chat-1");
    }

    @Test
    void recordWithoutKeyIsKeyedByRequestId() {
        send(null, score("r2", "tiny-gpt2", "Hello"));

        assertThat(gpt2Requests.readKeyValue().key).isEqualTo("r2");
    }

    @Test
    void undecodableBytesGoToDeadLettersWithOriginalBytesAndCoordinates() {
        byte[] garbage = "{\"not\": \"avro\"}".getBytes(StandardCharsets.UTF_8);
        prompts.pipeInput("bad-1".getBytes(StandardCharsets.UTF_8), garbage);

        DeadLetter dl = deadLetters.readValue();
        assertThat(dl.getErrorCode()).isEqualTo(ErrorCodes.UNDECODABLE);
        assertThat(dl.getStage()).isEqualTo("topology.deserialize");
        assertThat(dl.getErrorMessage()).contains("NOT_WIRE_FORMAT").contains("magic byte");
        assertThat(bytes(dl.getValue())).isEqualTo(garbage);
        assertThat(bytes(dl.getKey())).isEqualTo("bad-1".getBytes(StandardCharsets.UTF_8));
        assertThat(dl.getSourceTopic()).isEqualTo(topics.prompts());
        assertThat(dl.getSourceOffset()).isZero();
        assertThat(gpt2Requests.isEmpty()).isTrue();
    }

    @Test
    void unknownSchemaIdIsUndecodable() {
        prompts.pipeInput(null, new byte[] {0, 0, 0, 0x7f, 0x7f, 1, 2, 3});

        DeadLetter dl = deadLetters.readValue();
        assertThat(dl.getErrorCode()).isEqualTo(ErrorCodes.UNDECODABLE);
        assertThat(dl.getErrorMessage()).startsWith("UNKNOWN_SCHEMA_ID");
    }

    @Test
    void invalidRequestListsEveryProblem() {
        PromptRequest bad = PromptRequest.newBuilder().setRequestId("r3").setModel("tiny-gpt2")
                .setTask(Task.GENERATE)
                .setGeneration(GenerationParams.newBuilder().setTopP(1.5f).setMaxNewTokens(0).build())
                .build();
        byte[] value = requestSerializer.serialize(topics.prompts(), bad);
        prompts.pipeInput("r3".getBytes(StandardCharsets.UTF_8), value);

        DeadLetter dl = deadLetters.readValue();
        assertThat(dl.getErrorCode()).isEqualTo(ErrorCodes.INVALID_REQUEST);
        assertThat(dl.getStage()).isEqualTo("topology.validate");
        assertThat(dl.getRequestId()).isEqualTo("r3");
        assertThat(dl.getErrorMessage()).contains("exactly one of text, messages, input_ids")
                .contains("top_p must be in (0, 1]").contains("max_new_tokens must be between 1");
        assertThat(bytes(dl.getValue())).isEqualTo(value);
    }

    @Test
    void invalidPrefixReuseFieldsAreDeadLettered() {
        send("r8", PromptRequest.newBuilder(score("r8", "tiny-gpt2", "Hi")).setSessionId(" ")
                .setPrefixRouteChars(0).build());

        DeadLetter dl = deadLetters.readValue();
        assertThat(dl.getErrorCode()).isEqualTo(ErrorCodes.INVALID_REQUEST);
        assertThat(dl.getErrorMessage()).contains("session_id is blank").contains("prefix_route_chars must be >= 1");
        assertThat(gpt2Requests.isEmpty()).isTrue();
    }

    @Test
    void classifyRequestsAreRoutedLikeScoreAndTheirMisplacedOptionsDeadLettered() {
        send("c1", PromptRequest.newBuilder(score("c1", "tiny-gpt2", "Great film")).setTask(Task.CLASSIFY).build());
        send("c2", PromptRequest.newBuilder().setRequestId("c2").setModel("tiny-gpt2").setTask(Task.CLASSIFY)
                .setInputIds(List.of(1, 2, 3)).build());
        assertThat(gpt2Requests.readKeyValuesToList()).extracting(kv -> kv.key + "/" + kv.value.getTask())
                .containsExactly("c1/CLASSIFY", "c2/CLASSIFY");

        send("c3", PromptRequest.newBuilder(score("c3", "tiny-gpt2", "Great film")).setTask(Task.CLASSIFY)
                .setTopLogprobs(5).setContinuation("!").build());
        send("c4", PromptRequest.newBuilder().setRequestId("c4").setModel("tiny-gpt2").setTask(Task.CLASSIFY).build());

        List<DeadLetter> dead = deadLetters.readValuesToList();
        assertThat(dead).extracting(DeadLetter::getRequestId).containsExactly("c3", "c4");
        assertThat(dead).allSatisfy(dl -> assertThat(dl.getErrorCode()).isEqualTo(ErrorCodes.INVALID_REQUEST));
        assertThat(dead.get(0).getErrorMessage()).contains("top_logprobs applies to SCORE and GENERATE")
                .contains("continuation applies to SCORE requests only, but task is CLASSIFY");
        assertThat(dead.get(1).getErrorMessage()).contains("exactly one of text, messages, input_ids");
        assertThat(gpt2Requests.isEmpty()).isTrue();
    }

    @Test
    void keyThatIsNotTheRequestIdIsRejected() {
        send("other", score("r4", "tiny-gpt2", "Hi"));

        assertThat(deadLetters.readValue().getErrorMessage()).contains("record key must be the request_id");
    }

    @Test
    void unknownModelGetsAnErrorResult() {
        send("r5", score("r5", "no-such-model", "Hi"));

        ScoringResult result = results.readValue();
        assertThat(result.getStatus()).isEqualTo(ResultStatus.ERROR);
        assertThat(result.getError().getCode()).isEqualTo(ErrorCodes.UNKNOWN_MODEL);
        assertThat(result.getError().getMessage()).contains("tiny-gpt2");
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void duplicateRequestIdIsRoutedOnce() {
        send("r6", score("r6", "tiny-gpt2", "Hi"));
        send("r6", score("r6", "tiny-gpt2", "Hi"));
        send("r7", score("r7", "tiny-gpt2", "Hi"));

        assertThat(gpt2Requests.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("r6", "r7");
    }

    @Test
    void modelNamesThatAreNotTopicNamesAreSanitized() {
        assertThat(topics.requestsFor("Qwen/Qwen2-0.5B")).isEqualTo("llm.requests.Qwen_Qwen2-0.5B");
    }

    private void send(String key, PromptRequest request) {
        prompts.pipeInput(key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                requestSerializer.serialize(topics.prompts(), request));
    }

    private static PromptRequest score(String id, String model, String text) {
        return PromptRequest.newBuilder().setRequestId(id).setModel(model).setTask(Task.SCORE).setText(text).build();
    }

    private static byte[] bytes(java.nio.ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
