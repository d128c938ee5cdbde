package io.logitstream.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.DeadLetterFit;
import io.logitstream.contract.ErrorCodes;
import io.logitstream.contract.Topics;
import io.logitstream.registry.SchemaRegistryException;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.serde.PoisonPayloads;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroSerializer;
import io.logitstream.topology.route.DecodeRetry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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

/**
 * No record, whatever its bytes, stops routing: each poison kind is answered (dead letter or error
 * result) and the record after it is still routed. Also: dedupe before validation, duplicates
 * answered, model names that cannot share a topic.
 */
class PoisonRecordTopologyTest {

    private static final String REFUSED_TOPIC = "llm.requests.a.b";
    private final Topics topics = Topics.defaults();
    private final ScriptedRegistry registry = new ScriptedRegistry();
    private final AvroSerializer<PromptRequest> serializer = new AvroSerializer<>(PromptRequest.class, registry);
    private final List<Long> sleeps = new ArrayList<>();
    private final List<String> createdTopics = new ArrayList<>();
    private int schemaId;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> prompts;
    private TestOutputTopic<byte[], DeadLetter> deadLetters;
    private TestOutputTopic<String, ScoringResult> results;

    /** Its own per test: the driver locks it, and another build may run these tests at the same time. */
    @TempDir
    Path stateDir;

    @BeforeEach
    void setUp() {
        schemaId = registry.register(topics.prompts() + "-value", PromptRequest.getClassSchema());
        var topology = new PromptRoutingTopology(topics, Set.of(), Duration.ofHours(1), registry, topic -> {
            if (topic.equals(REFUSED_TOPIC)) {
                throw new IllegalArgumentException("Kafka refuses the topic name " + topic
                        + ": collides with existing topics: llm.requests.a_b");
            }
            createdTopics.add(topic);
        }, () -> DeadLetterFit.DEFAULT_MAX_RECORD_BYTES, new DecodeRetry(5, 100, sleeps::add)).build();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "poison-test");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString()); // the dedupe store is on disk
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(topology, props);
        prompts = driver.createInputTopic(topics.prompts(), new ByteArraySerializer(), new ByteArraySerializer());
        deadLetters = driver.createOutputTopic(topics.deadLetters(), new ByteArrayDeserializer(),
                new AvroDeserializer<>(DeadLetter.class, registry));
        results = driver.createOutputTopic(topics.results(), new StringDeserializer(),
                new AvroDeserializer<>(ScoringResult.class, registry));
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void collectionSizeBombIsDeadLetteredAndRoutingGoesOn() {
        byte[] bomb = PoisonPayloads.framed(schemaId, out -> {
            PoisonPayloads.head(out, "bomb-1", "tiny-gpt2");
            out.writeIndex(1); // input_ids
            out.writeLong(1L << 30); // a block of 2^30 ints
            for (int i = 0; i < 10; i++) {
                out.writeInt(i);
            }
        });
        assertThat(bomb).hasSize(41);
        prompts.pipeInput("bomb-1".getBytes(StandardCharsets.UTF_8), bomb);
        sendValid("after-bomb", "tiny-gpt2");

        DeadLetter letter = deadLetters.readValue();
        assertThat(letter.getErrorCode()).isEqualTo(ErrorCodes.UNDECODABLE);
        assertThat(letter.getErrorMessage()).startsWith("CORRUPT_PAYLOAD").contains("1073741824 items");
        assertThat(bytes(letter.getValue())).isEqualTo(bomb);
        assertRouted("tiny-gpt2", "after-bomb");
    }

    @Test
    void jsonSchemaIdIsUndecodableAtOnce() {
        registry.fail(99, new SchemaRegistryException("Schema id 99 is a JSON schema; LogitStream topics carry Avro"
                + " only", 200, -1, null), -1);
        prompts.pipeInput(null, PoisonPayloads.framed(99, out -> out.writeFixed("{\"a\":1}".getBytes(StandardCharsets.UTF_8))));
        sendValid("after-json", "tiny-gpt2");

        DeadLetter letter = deadLetters.readValue();
        assertThat(letter.getErrorCode()).isEqualTo(ErrorCodes.UNDECODABLE);
        assertThat(letter.getErrorMessage()).startsWith("UNSUPPORTED_SCHEMA").contains("JSON");
        assertThat(sleeps).isEmpty();
        assertRouted("tiny-gpt2", "after-json");
    }

    @Test
    void registryClientErrorIsUndecodableAtOnce() {
        registry.fail(98, new SchemaRegistryException("HTTP 422", 422, 42201, null), -1);
        prompts.pipeInput(null, PoisonPayloads.framed(98, out -> out.writeInt(1)));

        assertThat(deadLetters.readValue().getErrorMessage()).startsWith("UNSUPPORTED_SCHEMA");
        assertThat(sleeps).isEmpty();
    }

    @Test
    void registryOutageIsRetriedWithBackoffThenDeadLettered() {
        byte[] value = serializer.serialize(topics.prompts(), score("outage-1", "tiny-gpt2", "Hi"));
        registry.fail(schemaId, new SchemaRegistryException("HTTP 503", 503, -1, null), -1);
        prompts.pipeInput("outage-1".getBytes(StandardCharsets.UTF_8), value);

        DeadLetter letter = deadLetters.readValue();
        assertThat(letter.getErrorCode()).isEqualTo(ErrorCodes.UNDECODABLE);
        assertThat(letter.getErrorMessage()).startsWith("REGISTRY_UNAVAILABLE: gave up after 5 attempts");
        assertThat(sleeps).containsExactly(100L, 200L, 400L, 800L);
        assertThat(bytes(letter.getValue())).isEqualTo(value);
    }

    @Test
    void registryOutageThatEndsIsRetriedAndRouted() {
        registry.fail(schemaId, new SchemaRegistryException("connection refused", -1, -1, null), 2);
        sendValid("outage-2", "tiny-gpt2");

        assertRouted("tiny-gpt2", "outage-2");
        assertThat(sleeps).containsExactly(100L, 200L);
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void nearLimitInvalidRequestIsDeadLetteredCutToFit() {
        PromptRequest invalid = PromptRequest.newBuilder().setRequestId("big").setModel("tiny-gpt2")
                .setTask(Task.SCORE).setMetadata(Map.of("pad", "x".repeat(1_048_330))).build(); // no input
        byte[] value = serializer.serialize(topics.prompts(), invalid);
        assertThat(value.length).isBetween(1_048_350, 1_048_450);
        prompts.pipeInput("big".getBytes(StandardCharsets.UTF_8), value);
        sendValid("after-big", "tiny-gpt2");

        var out = deadLetters.readRecord();
        DeadLetter letter = out.value();
        assertThat(letter.getErrorCode()).isEqualTo(ErrorCodes.INVALID_REQUEST);
        assertThat(letter.getRequestId()).isEqualTo("big");
        assertThat(letter.getTruncatedFields()).containsExactly("value");
        assertThat(letter.getValueLength()).isEqualTo((long) value.length);
        assertThat(letter.getValueSha256()).hasSize(64);
        byte[] kept = bytes(letter.getValue());
        assertThat(kept).isEqualTo(Arrays.copyOf(value, kept.length));
        byte[] wire = new AvroSerializer<>(DeadLetter.class, registry).serialize(topics.deadLetters(), letter);
        assertThat(wire.length + out.key().length).isLessThanOrEqualTo(DeadLetterFit.DEFAULT_MAX_RECORD_BYTES - 1024);
        assertRouted("tiny-gpt2", "after-big");
    }

    @Test
    void tombstoneEmptyValueWrongMagicByteAndRandomBytesAreDeadLettered() {
        prompts.pipeInput("t".getBytes(StandardCharsets.UTF_8), (byte[]) null);
        prompts.pipeInput("e".getBytes(StandardCharsets.UTF_8), new byte[0]);
        byte[] wrongMagic = serializer.serialize(topics.prompts(), score("m1", "tiny-gpt2", "Hi"));
        wrongMagic[0] = 1;
        prompts.pipeInput("m1".getBytes(StandardCharsets.UTF_8), wrongMagic);
        sendValid("after-junk", "tiny-gpt2");

        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertThat(letters).extracting(DeadLetter::getErrorCode).containsOnly(ErrorCodes.UNDECODABLE);
        assertThat(letters.get(0).getErrorMessage()).contains("tombstone");
        assertThat(letters.get(1).getErrorMessage()).startsWith("NOT_WIRE_FORMAT").contains("0 bytes");
        assertThat(letters.get(2).getErrorMessage()).startsWith("NOT_WIRE_FORMAT").contains("0x01");
        assertThat(letters).extracting(DeadLetter::getSourceOffset).containsExactly(0L, 1L, 2L);
        assertRouted("tiny-gpt2", "after-junk");
    }

    @Test
    void randomPayloadsBehindAValidHeaderAreEachAnsweredOnce() {
        Random random = new Random(42);
        int count = 300;
        for (int i = 0; i < count; i++) {
            byte[] payload = new byte[1 + random.nextInt(64)];
            random.nextBytes(payload);
            prompts.pipeInput(null, PoisonPayloads.framed(schemaId, out -> out.writeFixed(payload)));
        }
        sendValid("after-random", "tiny-gpt2");

        assertThat(deadLetters.readValuesToList().size() + results.readValuesToList().size()).isEqualTo(count);
        assertRouted("tiny-gpt2", "after-random");
    }

    @Test
    void repeatedInvalidRequestIsDeadLetteredOnceAndAnsweredAsDuplicate() {
        PromptRequest invalid = PromptRequest.newBuilder().setRequestId("bad-1").setModel("tiny-gpt2")
                .setTask(Task.SCORE).build();
        send("bad-1", invalid);
        send("bad-1", invalid);

        assertThat(deadLetters.readValuesToList()).singleElement()
                .satisfies(l -> assertThat(l.getErrorCode()).isEqualTo(ErrorCodes.INVALID_REQUEST));
        ScoringResult duplicate = results.readValue();
        assertThat(duplicate.getError().getCode()).isEqualTo(ErrorCodes.DUPLICATE);
        assertThat(results.isEmpty()).isTrue();
    }

    @Test
    void duplicateIsAnsweredNamingTheOriginal() {
        sendValid("r6", "tiny-gpt2");
        sendValid("r6", "tiny-gpt2");

        assertRouted("tiny-gpt2", "r6");
        var answer = results.readKeyValue();
        assertThat(answer.key).isEqualTo("r6");
        assertThat(answer.value.getStatus()).isEqualTo(ResultStatus.ERROR);
        assertThat(answer.value.getError().getCode()).isEqualTo(ErrorCodes.DUPLICATE);
        assertThat(answer.value.getError().getMessage()).contains("request_id 'r6'").contains("first seen at");
        assertThat(deadLetters.isEmpty()).isTrue();
    }

    @Test
    void slashAndUnderscoreModelsGoToTopicsOfTheirOwn() {
        sendValid("s1", "a/b");
        sendValid("s2", "a_b");

        assertRouted("a/b", "s1");
        assertRouted("a_b", "s2");
        assertThat(createdTopics).contains("llm.requests.a_b", "llm.requests.a__b");
    }

    @Test
    void invalidModelNamesAreInvalidRequests() {
        sendValid("n1", "a b");
        sendValid("n2", "m".repeat(300));
        sendValid("n3", "a.b"); // Kafka refuses its topic: it collides with llm.requests.a_b
        sendValid("n4", "tiny-gpt2");

        List<DeadLetter> letters = deadLetters.readValuesToList();
        assertThat(letters).extracting(DeadLetter::getErrorCode).containsOnly(ErrorCodes.INVALID_REQUEST);
        assertThat(letters.get(0).getErrorMessage()).contains("may contain only letters");
        assertThat(letters.get(1).getErrorMessage()).contains("249");
        assertThat(letters.get(2).getStage()).isEqualTo("topology.route");
        assertThat(letters.get(2).getErrorMessage()).contains("collides");
        assertRouted("tiny-gpt2", "n4");
    }

    @Test
    void invalidUtf8InTextIsAnInvalidRequestAndARealReplacementCharacterIsNot() {
        byte[] broken = PoisonPayloads.framed(schemaId, out -> {
            out.writeString("u1");
            out.writeString("tiny-gpt2");
            out.writeEnum(0);
            out.writeIndex(1);
            out.writeBytes(new byte[] {'h', 'i', (byte) 0xff}); // text: a string's length and bytes, not UTF-8
            for (int i = 0; i < fieldsAfterText(); i++) {
                out.writeIndex(0);
            }
        });
        prompts.pipeInput("u1".getBytes(StandardCharsets.UTF_8), broken);
        sendValid("u2", "tiny-gpt2", "a \uFFFD b");

        DeadLetter letter = deadLetters.readValue();
        assertThat(letter.getErrorCode()).isEqualTo(ErrorCodes.INVALID_REQUEST);
        assertThat(letter.getErrorMessage()).contains("text is not valid UTF-8");
        assertThat(letter.getRequestId()).isEqualTo("u1");
        assertRouted("tiny-gpt2", "u2");
    }

    // ---- helpers

    private void assertRouted(String model, String requestId) {
        var out = driver.createOutputTopic(topics.requestsFor(model), new StringDeserializer(),
                new AvroDeserializer<>(PromptRequest.class, registry));
        assertThat(out.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly(requestId);
    }

    private void sendValid(String id, String model) {
        sendValid(id, model, "Hello");
    }

    private void sendValid(String id, String model, String text) {
        send(id, score(id, model, text));
    }

    private void send(String key, PromptRequest request) {
        prompts.pipeInput(key.getBytes(StandardCharsets.UTF_8), serializer.serialize(topics.prompts(), request));
    }

    private static PromptRequest score(String id, String model, String text) {
        return PromptRequest.newBuilder().setRequestId(id).setModel(model).setTask(Task.SCORE).setText(text).build();
    }


    private static int fieldsAfterText() {
        var schema = PromptRequest.getClassSchema();
        return schema.getFields().size() - schema.getField("text").pos() - 1;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
