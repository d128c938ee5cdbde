package io.logitstream.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.contract.Topics;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.CandidateScore;
import io.logitstream.schema.ChoiceOutput;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Provenance;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.RunSummary;
import io.logitstream.schema.ScoreOutput;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.schema.Timings;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.serde.AvroSerializer;
import io.logitstream.testkit.EmbeddedKafkaCluster;
import io.logitstream.testkit.SchemaRegistryProcess;
import io.logitstream.topology.TopologyApp;
import io.logitstream.topology.TopologyConfig;
import io.logitstream.topology.runs.RunSettings;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Run summaries on a real broker and registry process: requests and results of two runs (results
 * published as a worker would), the summaries read over the topology's HTTP and through the
 * gateway, a topology restarted on a fresh state directory (so its stores come back from their
 * changelogs) beside a second instance (queries forwarded to the owner of a key), the compacted runs
 * topic, and the gateway's page in headless Chromium.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RunsEndToEndTest {

    private static final String MODEL = "m";
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final Topics topics = Topics.defaults();
    private EmbeddedKafkaCluster kafka;
    private SchemaRegistryProcess registry;
    private int topologyPort;
    private TopologyApp topology;
    /** A second instance of the application, started with the restart, to which keys are forwarded. */
    private TopologyApp second;
    private int secondPort;
    private Gateway gateway;
    private HttpCalls topologyHttp;
    private HttpCalls gatewayHttp;
    private KafkaProducer<String, byte[]> producer;
    private AvroSerializer<PromptRequest> requests;
    private AvroSerializer<ScoringResult> results;

    @BeforeAll
    void startStack() throws Exception {
        kafka = EmbeddedKafkaCluster.start();
        registry = SchemaRegistryProcess.start();
        var client = new RestSchemaRegistryClient(registry.url());
        requests = new AvroSerializer<>(PromptRequest.class, client);
        results = new AvroSerializer<>(ScoringResult.class, client);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        topologyPort = freePort(); // one port for both incarnations, as the gateway is configured once
        secondPort = freePort();
        topology = awaitRunning(startTopology(topologyPort));
        gateway = Gateway.start(GatewaySettings.from(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "schema.registry.url", registry.url(), GatewaySettings.TOPOLOGY_URL_KEY,
                "http://127.0.0.1:" + topologyPort)).withListen("127.0.0.1", 0));
        topologyHttp = new HttpCalls(URI.create("http://127.0.0.1:" + topologyPort));
        gatewayHttp = new HttpCalls(URI.create("http://127.0.0.1:" + gateway.port()));
    }

    @AfterAll
    void stopStack() {
        for (AutoCloseable part : new AutoCloseable[] {gateway, second, topology, producer, registry, kafka}) {
            try {
                if (part != null) {
                    part.close();
                }
            } catch (Exception e) {
                System.err.println("closing " + part + ": " + e);
            }
        }
    }

    @Test
    @Order(1)
    void summarisesTwoRunsAndServesThemOverHttpDirectlyAndThroughTheGateway() throws Exception {
        for (String id : List.of("a-1", "a-2", "a-3", "b-1", "b-2")) {
            send(request(id, id.startsWith("a") ? "run-a" : "run-b"));
        }
        send(request("a-1", "run-a")); // a duplicate: answered with a DUPLICATE notice by the topology
        publish(choice("a-1", "run-a", true, 3, 40));
        publish(choice("a-2", "run-a", false, 5, 80));
        publish(score("b-1", "run-b", 2.0, 10, 200));
        publish(score("b-2", "run-b", 1.0, 30, 300));

        JsonNode a = awaitRun("run-a", run -> run.path("answered").asLong() == 2 && run.path("duplicate_notices")
                .asLong() == 1);
        assertThat(a.path("requests").asLong()).isEqualTo(3);
        assertThat(a.path("done").asLong()).isEqualTo(2);
        assertThat(a.path("accuracy").asDouble()).isEqualTo(0.5);
        assertThat(a.path("compute_ms").path("count").asLong()).isEqualTo(2);
        assertThat(a.path("compute_ms").path("buckets")).isNotEmpty();
        JsonNode b = awaitRun("run-b", run -> run.path("answered").asLong() == 2);
        assertThat(b.path("mean_nll").asDouble()).isEqualTo((2.0 * 10 + 1.0 * 30) / 40);
        assertThat(b.path("models").get(0).path("fingerprint").asText()).isEqualTo("sha256:test");

        assertThat(gatewayHttp.get("/runs/run-a").body()).isEqualTo(topologyHttp.get("/runs/run-a").body());
        assertThat(gatewayHttp.get("/runs").body().path("runs").findValuesAsText("run_id"))
                .containsExactlyInAnyOrder("run-a", "run-b");
        HttpCalls.Answer stored = gatewayHttp.get("/results/a-1");
        assertThat(stored.status()).isEqualTo(200);
        assertThat(stored.body().path("status").asText()).as("the original's result, not the DUPLICATE notice")
                .isEqualTo("OK");
        assertThat(stored.body().path("choice").path("correct").asBoolean()).isTrue();
        assertThat(gatewayHttp.get("/results/never-sent").status()).isEqualTo(404);
        assertThat(gatewayHttp.get("/runs/no-such-run").status()).isEqualTo(404);
    }

    @Test
    @Order(2)
    void aRestartedTopologyKeepsTheSummariesAndTheRunsTopicIsCompactedWithTheLatest() throws Exception {
        topology.close();
        // Fresh state directories: the stores come back from their changelogs. Two instances, so that
        // some keys live on the other one and queries are forwarded there.
        topology = startTopology(topologyPort);
        second = startTopology(secondPort);
        awaitRunning(topology);
        awaitRunning(second);
        publish(choice("a-3", "run-a", true, 4, 60));

        JsonNode a = awaitRun("run-a", run -> run.path("answered").asLong() == 3);
        assertThat(a.path("requests").asLong()).as("counted before the restart").isEqualTo(3);
        assertThat(a.path("duplicate_notices").asLong()).isEqualTo(1);
        assertThat(a.path("accuracy").asDouble()).isEqualTo(2 / 3.0);
        // the results store may still be restoring on its owner (503 "try again shortly"): as a client would, retry
        assertThat(awaitOk("/results/b-2").path("request_id").asText()).isEqualTo("b-2");

        ConfigResource runsTopic = new ConfigResource(ConfigResource.Type.TOPIC, topics.runs());
        Config config = kafka.admin().describeConfigs(List.of(runsTopic)).all().get().get(runsTopic);
        assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        Map<String, RunSummary> latest = latestOnRunsTopic(summary -> summary.getRunId().equals("run-a")
                && summary.getAnswered() == 3);
        assertThat(latest.get("run-a").getAccuracy()).isEqualTo(2 / 3.0);
        assertThat(latest.get("run-b").getAnswered()).isEqualTo(2);
    }

    @Test
    @Order(3)
    void eachInstanceAnswersForKeysTheOtherOwnsByForwardingTheQuestion() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) { // enough keys that every partition of the results topic holds some
            ScoringResult anonymous = score("x-" + i, null, 1.0, 2, 5);
            publish(anonymous);
            ids.add(anonymous.getRequestId());
        }
        HttpCalls secondHttp = new HttpCalls(URI.create("http://127.0.0.1:" + secondPort));
        long deadline = System.nanoTime() + WAIT.toNanos();
        Set<String> forwarded = new HashSet<>();
        while (System.nanoTime() < deadline) {
            forwarded.clear();
            boolean allAnswered = true;
            for (String id : ids) {
                allAnswered &= topologyHttp.get("/results/" + id).status() == 200
                        && secondHttp.get("/results/" + id).status() == 200;
                if (topologyHttp.get("/results/" + id + "?local=true").status() == 404) {
                    forwarded.add(id);
                }
            }
            if (allAnswered && !forwarded.isEmpty()) {
                break;
            }
            Thread.sleep(200);
        }
        assertThat(forwarded).as("results another instance holds, answered here by asking it").isNotEmpty();
        for (HttpCalls instance : List.of(topologyHttp, secondHttp)) {
            assertThat(instance.get("/runs").body().path("runs").findValuesAsText("run_id"))
                    .containsExactlyInAnyOrder("run-a", "run-b");
            assertThat(instance.get("/runs/run-a").body().path("answered").asLong()).isEqualTo(3);
        }
    }

    @Test
    @Order(4)
    void theGatewaysRunsPageShowsTheRunsWithLatencyBars() throws Exception {
        var browser = HeadlessChromium.find();
        Assumptions.assumeTrue(browser.isPresent(), "chromium is not installed (apt-get install -y chromium):"
                + " the runs page is not checked in a browser");
        awaitRun("run-b", run -> run.path("answered").asLong() == 2);
        String page = "http://127.0.0.1:" + gateway.port() + "/runs-ui";

        String dom = browser.get().dumpDom(page);
        assertThat(dom).contains("run-a", "run-b", "<svg");
        assertThat(dom.split("class=\"bar\"", -1).length - 1).as("latency bars drawn").isGreaterThanOrEqualTo(4);

        Path png = Files.createTempFile("runs-page", ".png");
        browser.get().screenshot(page, png, 1000, 900);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1000);
        Set<Integer> colours = new HashSet<>();
        long barPixels = 0;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                colours.add(rgb);
                if (rgb == 0x3B6FD8) { // the compute bars' fill
                    barPixels++;
                }
            }
        }
        assertThat(colours.size()).as("a page, not a blank image").isGreaterThan(20);
        assertThat(barPixels).as("compute latency bars visible").isGreaterThan(50);
    }

    private static int freePort() throws IOException {
        try (ServerSocket free = new ServerSocket(0)) {
            return free.getLocalPort();
        }
    }

    private static TopologyApp awaitRunning(TopologyApp app) throws InterruptedException {
        assertThat(app.awaitRunning(Duration.ofSeconds(90))).isTrue();
        return app;
    }

    private TopologyApp startTopology(int port) throws Exception {
        TopologyConfig config = TopologyConfig.from(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "schema.registry.url", registry.url(), "application.id", "runs-e2e",
                "state.dir", Files.createTempDirectory("runs-streams").toString(), "commit.interval.ms", "50",
                TopologyConfig.MODELS_KEY, MODEL, RunSettings.HTTP_HOST_KEY, "127.0.0.1",
                RunSettings.HTTP_PORT_KEY, Integer.toString(port),
                RunSettings.ADVERTISED_HOST_KEY, "127.0.0.1"));
        TopologyApp app = new TopologyApp(config).start();
        assertThat(app.queryPort()).isEqualTo(port);
        return app;
    }

    private JsonNode awaitRun(String runId, Predicate<JsonNode> ready) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        HttpCalls.Answer last = null;
        while (System.nanoTime() < deadline) {
            last = topologyHttp.get("/runs/" + runId);
            if (last.status() == 200 && ready.test(last.body())) {
                return last.body();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("run " + runId + " not as expected within " + WAIT + "; last answer: "
                + (last == null ? null : last.status() + " " + last.body()));
    }

    /** The body of the first 200 answer to {@code path} within {@link #WAIT}. */
    private JsonNode awaitOk(String path) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        HttpCalls.Answer last = null;
        while (System.nanoTime() < deadline) {
            last = topologyHttp.get(path);
            if (last.status() == 200) {
                return last.body();
            }
            Thread.sleep(100);
        }
        throw new AssertionError(path + " not answered within " + WAIT + "; last answer: "
                + (last == null ? null : last.status() + " " + last.body()));
    }

    private Map<String, RunSummary> latestOnRunsTopic(Predicate<RunSummary> last) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "runs-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        var deserializer = new AvroDeserializer<>(RunSummary.class, new RestSchemaRegistryClient(registry.url()));
        Map<String, RunSummary> latest = new HashMap<>();
        List<RunSummary> seen = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topics.runs()));
            while (System.nanoTime() < deadline && latest.values().stream().noneMatch(last)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    RunSummary summary = deserializer.deserialize(record.topic(), record.value());
                    assertThat(record.key()).isEqualTo(summary.getRunId());
                    latest.put(record.key(), summary);
                    seen.add(summary);
                }
            }
        }
        assertThat(latest.values()).as("summaries read: %s", seen).anyMatch(last);
        return latest;
    }

    private void send(PromptRequest request) throws Exception {
        producer.send(new ProducerRecord<>(topics.prompts(), request.getRequestId(),
                requests.serialize(topics.prompts(), request))).get();
    }

    private void publish(ScoringResult result) throws Exception {
        producer.send(new ProducerRecord<>(topics.results(), result.getRequestId(),
                results.serialize(topics.results(), result))).get();
    }

    private static PromptRequest request(String id, String run) {
        return PromptRequest.newBuilder().setRequestId(id).setModel(MODEL).setTask(Task.SCORE).setText("hi")
                .setRunId(run).build();
    }

    private static ScoringResult.Builder ok(String id, String run, Task task, long queueMs, long computeMs) {
        long now = System.currentTimeMillis();
        return ScoringResult.newBuilder().setRequestId(id).setModel(MODEL).setTask(task).setStatus(ResultStatus.OK)
                .setRunId(run).setInputIds(List.of(1, 2, 3))
                .setProvenance(Provenance.newBuilder().setModelName(MODEL).setModelFingerprint("sha256:test")
                        .setEngineVersion("test").setWorkerId("w").setDevice("cpu").setParameters(Map.of()).build())
                .setTimings(Timings.newBuilder().setEnqueuedAtMs(now).setStartedAtMs(now).setCompletedAtMs(now)
                        .setQueueMs(queueMs).setComputeMs(computeMs).build());
    }

    private static ScoringResult choice(String id, String run, boolean correct, long queueMs, long computeMs) {
        return ok(id, run, Task.CHOICE, queueMs, computeMs).setChoice(ChoiceOutput.newBuilder()
                .setCandidates(List.<CandidateScore>of()).setBestIndex(0).setBestIndexNormalized(0)
                .setCorrect(correct).setCorrectNormalized(correct).build()).build();
    }

    private static ScoringResult score(String id, String run, double meanNll, int tokens, long computeMs) {
        return ok(id, run, Task.SCORE, 1, computeMs).setScore(ScoreOutput.newBuilder().setTokenLogprobs(List.of())
                .setSumLogprob(-meanNll * tokens).setMeanNll(meanNll).setPerplexity(Math.exp(meanNll))
                .setNumScoredTokens(tokens).build()).build();
    }
}
