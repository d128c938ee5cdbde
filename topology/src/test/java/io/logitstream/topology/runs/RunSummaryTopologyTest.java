package io.logitstream.topology.runs;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.contract.Topics;
import io.logitstream.registry.InMemorySchemaRegistryClient;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.RunSummary;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroSerializer;
import io.logitstream.topology.PromptRoutingTopology;
import io.logitstream.topology.TopologyApp;
import io.logitstream.topology.TopologyConfig;
import io.logitstream.topology.runs.RunSummariesTest.RunResults;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole application's topology (routing and run summaries) in the test driver: requests counted
 * as the routing receives them, results as they arrive, duplicates and repeats kept apart, the
 * summary published to the runs topic and the results store answering for a request_id.
 */
class RunSummaryTopologyTest {

    private static final String MODEL = "tiny-gpt2";
    private final Topics topics = Topics.defaults();
    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final AvroSerializer<PromptRequest> requests = new AvroSerializer<>(PromptRequest.class, registry);
    private final AvroSerializer<ScoringResult> resultSerializer = new AvroSerializer<>(ScoringResult.class, registry);
    private final AvroDeserializer<ScoringResult> resultDeserializer = new AvroDeserializer<>(ScoringResult.class, registry);
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> prompts;
    private TestInputTopic<String, byte[]> results;
    private TestOutputTopic<String, RunSummary> runs;

    @TempDir
    Path stateDir;

    @BeforeEach
    void setUp() {
        TopologyConfig config = TopologyConfig.from(Map.of("bootstrap.servers", "unused:9092",
                "schema.registry.url", "mem://", TopologyConfig.MODELS_KEY, MODEL));
        Topology topology = TopologyApp.topology(config, registry, topic -> { }, () -> 1024 * 1024,
                inspection -> { });
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "runs-test");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(topology, props, Instant.ofEpochMilli(1_000_000));
        prompts = driver.createInputTopic(topics.prompts(), new ByteArraySerializer(), new ByteArraySerializer());
        results = driver.createInputTopic(topics.results(), new StringSerializer(), new ByteArraySerializer());
        runs = driver.createOutputTopic(topics.runs(), new StringDeserializer(),
                new AvroDeserializer<>(RunSummary.class, registry));
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void theRoutingStaysTheFirstSubTopologySoItsTasksKeepTheirIds() {
        TopologyConfig config = TopologyConfig.from(Map.of("bootstrap.servers", "unused:9092",
                "schema.registry.url", "mem://"));
        TopologyDescription.Subtopology first = TopologyApp.topology(config, registry, topic -> { }, () -> 1 << 20,
                        inspection -> { })
                .describe().subtopologies().stream().filter(s -> s.id() == 0).findFirst().orElseThrow();
        assertThat(first.nodes()).anySatisfy(node -> assertThat(node.name()).isEqualTo("read-prompts"));
        assertThat(first.nodes()).anySatisfy(node -> assertThat(node).isInstanceOf(TopologyDescription.Processor.class)
                .satisfies(p -> assertThat(((TopologyDescription.Processor) p).stores())
                        .contains(PromptRoutingTopology.DEDUPE_STORE)));
    }

    @Test
    void summarisesEachRunFromItsRequestsAndResults() {
        send(request("a1", "run-a", MODEL));
        send(request("a2", "run-a", MODEL));
        send(request("a3", "run-a", "nobody-serves-this")); // answered by the topology: UNKNOWN_MODEL
        send(request("b1", "run-b", MODEL));
        send(request("x1", null, MODEL)); // no run: counted nowhere
        result(RunResults.choice("a1", "run-a", true, false));
        result(RunResults.error("a2", "run-a", ErrorCodes.ENGINE_ERROR));
        result(RunResults.score("b1", "run-b", 1.5, 8));

        Map<String, RunSummary> latest = latestPerRun();
        assertThat(latest).containsOnlyKeys("run-a", "run-b");
        RunSummary a = latest.get("run-a");
        assertThat(List.of(a.getRequests(), a.getAnswered(), a.getDone(), a.getErrors())).containsExactly(3L, 3L, 1L, 2L);
        assertThat(a.getErrorsByCode()).containsOnly(Map.entry(ErrorCodes.ENGINE_ERROR, 1L),
                Map.entry(ErrorCodes.UNKNOWN_MODEL, 1L));
        assertThat(a.getAccuracy()).isEqualTo(1.0);
        assertThat(a.getAccuracyNormalized()).isEqualTo(0.0);
        RunSummary b = latest.get("run-b");
        assertThat(List.of(b.getRequests(), b.getAnswered(), b.getDone())).containsExactly(1L, 1L, 1L);
        assertThat(b.getMeanNll()).isEqualTo(1.5);
        assertThat(runStore().get("run-a")).isEqualTo(a);
    }

    @Test
    void aDuplicateIsANoticeNotAnotherRequestAndTheStoreKeepsTheOriginalsResult() {
        send(request("a1", "run-a", MODEL));
        send(request("a1", "run-a", MODEL)); // the topology answers the copy with a DUPLICATE notice
        ScoringResult original = RunResults.choice("a1", "run-a", true, true);
        result(original);

        RunSummary a = latestPerRun().get("run-a");
        assertThat(List.of(a.getRequests(), a.getAnswered(), a.getDone(), a.getDuplicateNotices()))
                .containsExactly(1L, 1L, 1L, 1L);
        assertThat(a.getErrorsByCode()).doesNotContainKey(ErrorCodes.DUPLICATE);
        assertThat(storedResult("a1")).isEqualTo(original);
    }

    @Test
    void aSecondResultForTheSameRequestIsARepeatAndTheLatestIsServed() {
        send(request("a1", "run-a", MODEL));
        result(RunResults.error("a1", "run-a", ErrorCodes.ENGINE_ERROR));
        driver.advanceWallClockTime(java.time.Duration.ofSeconds(1));
        ScoringResult second = RunResults.score("a1", "run-a", 2.0, 4);
        results.pipeInput("a1", resultSerializer.serialize(topics.results(), second), Instant.ofEpochMilli(2_000_000));

        RunSummary a = latestPerRun().get("run-a");
        assertThat(List.of(a.getAnswered(), a.getErrors(), a.getRepeatedResults())).containsExactly(1L, 1L, 1L);
        assertThat(storedResult("a1")).isEqualTo(second);
    }

    @Test
    void resultsWithoutARunAreStoredButSummarisedNowhereAndBadValuesAreSkipped() {
        results.pipeInput("junk", "not avro".getBytes(StandardCharsets.UTF_8));
        results.pipeInput("tombstone", (byte[]) null);
        ScoringResult anonymous = RunResults.score("x1", null, 1.0, 3);
        result(anonymous);
        result(RunResults.score("b1", "run-b", 1.0, 3)); // still summarised after the bad records

        assertThat(latestPerRun()).containsOnlyKeys("run-b");
        assertThat(storedResult("x1")).isEqualTo(anonymous);
        assertThat(storedResult("junk")).isNull();
    }

    private void send(PromptRequest request) {
        prompts.pipeInput(request.getRequestId().getBytes(StandardCharsets.UTF_8),
                requests.serialize(topics.prompts(), request));
    }

    private void result(ScoringResult result) {
        results.pipeInput(result.getRequestId(), resultSerializer.serialize(topics.results(), result));
    }

    private static PromptRequest request(String id, String run, String model) {
        return PromptRequest.newBuilder().setRequestId(id).setModel(model).setTask(Task.SCORE).setText("hello")
                .setRunId(run).build();
    }

    private Map<String, RunSummary> latestPerRun() {
        Map<String, RunSummary> latest = new LinkedHashMap<>();
        runs.readKeyValuesToList().forEach(kv -> latest.put(kv.key, kv.value));
        return latest;
    }

    private KeyValueStore<String, RunSummary> runStore() {
        return driver.getKeyValueStore(RunSummaryTopology.RUNS_STORE);
    }

    private ScoringResult storedResult(String requestId) {
        WindowStore<String, byte[]> store = driver.getWindowStore(ResultsStore.NAME);
        return ResultsStore.latest(store, requestId).map(bytes -> resultDeserializer.deserialize("", bytes))
                .orElse(null);
    }
}
