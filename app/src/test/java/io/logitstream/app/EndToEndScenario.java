package io.logitstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.contract.ErrorCodes;
import io.logitstream.contract.Topics;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.schema.TokenChunk;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroSerializer;
import io.logitstream.topology.TopologyApp;
import io.logitstream.topology.TopologyConfig;
import io.logitstream.worker.engine.EngineVersion;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.kafka.KafkaModelWorker;
import io.logitstream.worker.kafka.WorkerSettings;
import io.logitstream.worker.serving.ServingScheduler;
import io.logitstream.worker.task.TaskRouter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The walking skeleton end to end, on whatever broker and registry a subclass provides: Avro
 * prompt events in, topology, worker with the bundled tiny GPT-2, results / token stream /
 * dead letters out, compared with golden values from Hugging Face transformers.
 */
abstract class EndToEndScenario {

    static final String MODEL = "tiny-gpt2";
    static final Path ROOT = Path.of(System.getProperty("logitstream.root", "..")).toAbsolutePath().normalize();
    static final Path MODEL_DIR = ROOT.resolve("fixtures/models/tiny-gpt2");
    static final Duration TIMEOUT = Duration.ofSeconds(90);

    private final Topics topics = Topics.defaults();

    /** Runs the whole scenario against a running cluster and registry. */
    void runScenario(String bootstrap, String registryUrl) throws Exception {
        JsonNode golden = new ObjectMapper().readTree(ROOT.resolve("fixtures/golden/tiny-gpt2.json").toFile());
        JsonNode scoreCase = golden.path("cases").get(0);
        JsonNode generateCase = golden.path("cases").get(2); // the non-ASCII prompt

        Path stateDir = Files.createTempDirectory("logitstream-streams");
        Map<String, String> topologySettings = new HashMap<>();
        topologySettings.put("bootstrap.servers", bootstrap);
        topologySettings.put("schema.registry.url", registryUrl);
        topologySettings.put("application.id", "e2e-" + UUID.randomUUID());
        topologySettings.put("state.dir", stateDir.toString());
        topologySettings.put("commit.interval.ms", "50");
        topologySettings.put(TopologyConfig.MODELS_KEY, MODEL);
        topologySettings.put(TopologyConfig.REQUEST_PARTITIONS_KEY, "2");

        try (LoadedModel model = ModelLoader.load(MODEL_DIR);
                TopologyApp topology = new TopologyApp(TopologyConfig.from(topologySettings)).start()) {
            assertThat(topology.awaitRunning(TIMEOUT)).as("topology running").isTrue();
            KafkaModelWorker worker = new KafkaModelWorker(
                    WorkerSettings.of(bootstrap, registryUrl, MODEL, "e2e-worker", Map.of()),
                    new ServingScheduler(new TaskRouter(model, "e2e-worker"), BatchBudgets.defaults()));
            Thread workerThread = new Thread(worker, "e2e-worker");
            workerThread.start();
            try {
                byte[] invalidBytes;
                byte[] garbage = "this is not avro".getBytes(StandardCharsets.UTF_8);
                AvroSerializer<PromptRequest> serializer =
                        new AvroSerializer<>(PromptRequest.class, new RestSchemaRegistryClient(registryUrl));
                try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
                    send(producer, serializer, PromptRequest.newBuilder().setRequestId("score-1").setModel(MODEL)
                            .setTask(Task.SCORE).setText(scoreCase.path("text").asText()).setTopLogprobs(5).build());
                    send(producer, serializer, PromptRequest.newBuilder().setRequestId("gen-1").setModel(MODEL)
                            .setTask(Task.GENERATE).setText(generateCase.path("text").asText())
                            .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(8).build()).build());
                    PromptRequest invalid = PromptRequest.newBuilder().setRequestId("bad-1").setModel(MODEL)
                            .setTask(Task.SCORE).build(); // no input at all
                    invalidBytes = serializer.serialize(topics.prompts(), invalid);
                    producer.send(new ProducerRecord<>(topics.prompts(), "bad-1", invalidBytes)).get();
                    producer.send(new ProducerRecord<>(topics.prompts(), "bad-2", garbage)).get();
                    send(producer, serializer, PromptRequest.newBuilder().setRequestId("unknown-1")
                            .setModel("no-such-model").setTask(Task.SCORE).setText("Hi there").build());
                    send(producer, serializer, PromptRequest.newBuilder().setRequestId("too-long-1").setModel(MODEL)
                            .setTask(Task.SCORE).setInputIds(IntStream.range(0, 300).boxed().toList()).build());
                }

                Map<String, ScoringResult> results = new HashMap<>();
                for (ScoringResult r : readUntil(bootstrap, registryUrl, topics.results(), ScoringResult.class,
                        "read_committed", list -> list.size() >= 4)) {
                    results.put(r.getRequestId(), r);
                }
                List<TokenChunk> chunks = readUntil(bootstrap, registryUrl, topics.tokens(), TokenChunk.class,
                        "read_uncommitted", list -> list.stream().anyMatch(TokenChunk::getIsFinal));
                // A record that bypassed the topology: the worker dead-letters it itself, keyed as it came.
                byte[] workerGarbage = "not a request either".getBytes(StandardCharsets.UTF_8);
                try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
                    producer.send(new ProducerRecord<>(topics.requestsFor(MODEL), "bad-3", workerGarbage)).get();
                }
                List<DeadLetter> deadLetters = readUntil(bootstrap, registryUrl, topics.deadLetters(),
                        DeadLetter.class, "read_committed", list -> list.size() >= 3);

                assertScore(results.get("score-1"), scoreCase, model);
                assertGeneration(results.get("gen-1"), chunks, generateCase);
                assertDeadLetters(deadLetters, invalidBytes, garbage);
                assertWorkerDeadLetter(deadLetters, workerGarbage);
                assertThat(results.get("unknown-1").getStatus()).isEqualTo(ResultStatus.ERROR);
                assertThat(results.get("unknown-1").getError().getCode()).isEqualTo(ErrorCodes.UNKNOWN_MODEL);
                assertThat(results.get("too-long-1").getError().getCode())
                        .isEqualTo(ErrorCodes.CONTEXT_LENGTH_EXCEEDED);
                assertThat(results.get("too-long-1").getError().getMessage()).contains("300").contains("256");
            } finally {
                worker.close();
                workerThread.join(30_000);
            }
        }
    }

    private static void assertScore(ScoringResult result, JsonNode golden, LoadedModel model) {
        assertThat(result).as("SCORE result").isNotNull();
        assertThat(result.getStatus()).isEqualTo(ResultStatus.OK);
        assertThat(result.getInputIds()).containsExactlyElementsOf(ints(golden.path("input_ids")));
        var score = result.getScore();
        JsonNode expected = golden.path("token_logprobs");
        assertThat(score.getTokenLogprobs()).hasSize(expected.size());
        assertThat(score.getTokenLogprobs().get(0)).isNull();
        for (int t = 1; t < expected.size(); t++) {
            assertThat((double) score.getTokenLogprobs().get(t)).as("logprob of token %d", t)
                    .isCloseTo(expected.get(t).asDouble(), within(1e-4));
        }
        assertThat(score.getMeanNll()).isCloseTo(golden.path("loss").asDouble(), within(1e-5));
        assertThat(score.getTopLogprobs().get(1).getIds())
                .containsExactlyElementsOf(ints(golden.path("top_ids").get(0)).subList(0, 5));
        var provenance = result.getProvenance();
        assertThat(provenance.getModelFingerprint()).isEqualTo(model.fingerprint().value());
        assertThat(provenance.getEngineVersion()).isEqualTo(EngineVersion.VALUE);
        assertThat(provenance.getWorkerId()).isEqualTo("e2e-worker");
        assertThat(provenance.getParameters()).containsEntry("top_logprobs", "5");
        assertThat(result.getTimings().getComputeMs()).isNotNegative();
    }

    private static void assertGeneration(ScoringResult result, List<TokenChunk> chunks, JsonNode golden) {
        assertThat(result).as("GENERATE result").isNotNull();
        assertThat(result.getStatus()).isEqualTo(ResultStatus.OK);
        var generation = result.getGeneration();
        assertThat(generation.getNewIds()).containsExactlyElementsOf(ints(golden.path("greedy_new_ids")));
        assertThat(generation.getText()).isEqualTo(golden.path("greedy_text").asText());
        assertThat(generation.getFinishReason()).isEqualTo("length");
        List<TokenChunk> stream = chunks.stream().filter(c -> c.getRequestId().equals("gen-1"))
                .sorted(Comparator.comparingInt(TokenChunk::getSeq)).distinct().toList();
        assertThat(stream).extracting(TokenChunk::getSeq).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(stream.get(7).getIsFinal()).isTrue();
        assertThat(stream.get(7).getFinishReason()).isEqualTo("length");
        String reassembled = String.join("", stream.stream().map(TokenChunk::getText).toList());
        assertThat(reassembled).isEqualTo(generation.getText());
        assertThat(stream.stream().flatMap(c -> c.getTokenIds().stream()).toList())
                .containsExactlyElementsOf(generation.getNewIds());
    }

    private static void assertDeadLetters(List<DeadLetter> deadLetters, byte[] invalid, byte[] garbage) {
        DeadLetter invalidLetter = deadLetters.stream().filter(d -> "bad-1".equals(d.getRequestId())).findFirst()
                .orElseThrow();
        assertThat(invalidLetter.getErrorCode()).isEqualTo(ErrorCodes.INVALID_REQUEST);
        assertThat(invalidLetter.getErrorMessage()).contains("exactly one of text, messages, input_ids");
        assertThat(bytes(invalidLetter.getValue())).isEqualTo(invalid);
        DeadLetter undecodable = deadLetters.stream().filter(d -> d.getRequestId() == null).findFirst().orElseThrow();
        assertThat(undecodable.getErrorCode()).isEqualTo(ErrorCodes.UNDECODABLE);
        assertThat(undecodable.getStage()).isEqualTo("topology.deserialize");
        assertThat(bytes(undecodable.getValue())).isEqualTo(garbage);
        assertThat(bytes(undecodable.getKey())).isEqualTo("bad-2".getBytes(StandardCharsets.UTF_8));
        assertThat(undecodable.getSourceTopic()).isEqualTo("llm.prompts");
    }

    private void assertWorkerDeadLetter(List<DeadLetter> deadLetters, byte[] garbage) {
        DeadLetter letter = deadLetters.stream().filter(d -> "bad-3".equals(d.getRequestId())).findFirst()
                .orElseThrow();
        assertThat(letter.getStage()).isEqualTo("worker.deserialize");
        assertThat(letter.getErrorCode()).isEqualTo(ErrorCodes.UNDECODABLE);
        assertThat(letter.getSourceTopic()).isEqualTo(topics.requestsFor(MODEL));
        assertThat(letter.getApplication()).isEqualTo("e2e-worker");
        assertThat(bytes(letter.getValue())).isEqualTo(garbage);
    }

    private void send(KafkaProducer<String, byte[]> producer, AvroSerializer<PromptRequest> serializer,
            PromptRequest request) throws Exception {
        producer.send(new ProducerRecord<>(topics.prompts(), request.getRequestId(),
                serializer.serialize(topics.prompts(), request))).get();
    }

    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Reads a topic from the beginning until {@code done} holds or the timeout passes. */
    static <T extends org.apache.avro.specific.SpecificRecord> List<T> readUntil(String bootstrap,
            String registryUrl, String topic, Class<T> type, String isolation, Predicate<List<T>> done) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        AvroDeserializer<T> deserializer = new AvroDeserializer<>(type, new RestSchemaRegistryClient(registryUrl));
        List<T> out = new ArrayList<>();
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            while (!done.test(out)) {
                assertThat(System.nanoTime()).as("waiting for %s on %s (got %s)", type.getSimpleName(), topic, out)
                        .isLessThan(deadline);
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    out.add(deserializer.deserialize(topic, record.value()));
                }
            }
        }
        return out;
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
