package io.logitstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.logitstream.contract.Topics;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.testkit.EmbeddedKafkaCluster;
import io.logitstream.testkit.PrometheusScrape;
import io.logitstream.testkit.SchemaRegistryProcess;
import io.logitstream.topology.TopologyApp;
import io.logitstream.topology.TopologyConfig;
import io.logitstream.topology.metrics.TopologyMetrics;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.kafka.KafkaClients;
import io.logitstream.worker.kafka.KafkaModelWorker;
import io.logitstream.worker.kafka.WorkerSettings;
import io.logitstream.worker.metrics.WorkerMetrics;
import io.logitstream.worker.serving.ServingScheduler;
import io.logitstream.worker.task.TaskRouter;
import io.logitstream.worker.task.TokenSink;
import io.logitstream.worker.task.WorkItem;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Prefix reuse through the whole stack (real broker, registry, topology, worker): questions
 * behind one few-shot header compute only their own tokens, a chat session's next turn computes
 * only its new tokens, and under a small cache budget one-off prompts evict each other while the
 * session stays; every result equals the one computed with no cache. The worker's and the
 * topology's Prometheus endpoints then show those requests and the cache's hits and evictions.
 */
class PrefixReuseEndToEndTest {
    static final String MODEL = EndToEndScenario.MODEL;
    static final Duration TIMEOUT = Duration.ofSeconds(90);
    /** Header + a question or the session, and one one-off prompt: about 200 tiny-GPT-2 tokens. */
    static final long CACHE_BYTES = 200 * 512;

    private static final String HEADER = "The following are questions about colors, with answers.\n\n"
            + "Question: What color is the sky?\nA. blue\nB. green\nAnswer: A\n\n";

    @Test
    void cachedHeadersSessionsAndEvictionOverKafka() throws Exception {
        Topics topics = Topics.defaults();
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                SchemaRegistryProcess registry = SchemaRegistryProcess.start();
                LoadedModel model = ModelLoader.load(EndToEndScenario.MODEL_DIR);
                TopologyMetrics topologyMetrics = TopologyMetrics.start(Map.of(TopologyMetrics.PORT_KEY, "0"));
                TopologyApp topology = new TopologyApp(TopologyConfig.from(topologySettings(kafka, registry)),
                        topologyMetrics).start();
                WorkerMetrics workerMetrics = WorkerMetrics.start(Map.of(WorkerMetrics.PORT_KEY, "0"), MODEL)) {
            assertThat(topology.awaitRunning(TIMEOUT)).isTrue();
            BatchBudgets budgets = BatchBudgets.defaults().withPrefixCacheBytes(CACHE_BYTES);
            WorkerSettings workerSettings =
                    WorkerSettings.of(kafka.bootstrapServers(), registry.url(), MODEL, "prefix-worker", Map.of());
            KafkaModelWorker worker = new KafkaModelWorker(workerSettings,
                    workerMetrics.instrument(new ServingScheduler(new TaskRouter(model, "prefix-worker"), budgets)),
                    workerMetrics.instrument(KafkaClients.of(workerSettings)));
            Thread workerThread = new Thread(worker, "prefix-worker");
            workerThread.start();
            TaskRouter reference = new TaskRouter(model, "reference"); // a fresh cache for every request
            try (RequestReplyClient client = new RequestReplyClient(kafka.bootstrapServers(), registry.url(), topics,
                    TIMEOUT)) {
                int header = model.encodeText(HEADER).length;

                ScoringResult q1 = client.okResult(question("q1", "What color is grass?"));
                ScoringResult q2 = client.okResult(question("q2", "What color is snow?"));
                assertThat(q1.getUsage().getCachedTokens()).isLessThan(header);
                assertThat(q2.getUsage().getCachedTokens()).as("q2 reuses the header")
                        .isGreaterThanOrEqualTo(header - 1);
                assertSameScore(q2, reference.handle(item(question("q2", "What color is snow?")), TokenSink.DISCARD));

                String turn1 = "User: Tell me a story about a red fox.\nAssistant:";
                ScoringResult first = client.okResult(chat("turn-1", turn1));
                String history = turn1 + first.getGeneration().getText() + "\nUser: What happened next?\nAssistant:";
                PromptRequest secondTurn = chat("turn-2", history);
                ScoringResult second = client.okResult(secondTurn);
                assertThat(second.getUsage().getCachedTokens()).as("turn 2 reuses turn 1")
                        .isGreaterThanOrEqualTo(model.encodeText(turn1).length);
                assertSameGeneration(second, reference.handle(item(secondTurn), TokenSink.DISCARD));

                // One-off prompts, each about as large as the budget's free part, evict each other and the header.
                for (int i = 0; i < 3; i++) {
                    ScoringResult oneOff = client.okResult(PromptRequest.newBuilder().setRequestId("one-off-" + i)
                            .setModel(MODEL).setTask(Task.SCORE).setText(filler(i)).setContinuation(" end").build());
                    assertThat(oneOff.getStatus()).isEqualTo(ResultStatus.OK);
                }
                ScoringResult q3 = client.okResult(question("q3", "What color is coal?"));
                assertThat(q3.getUsage().getCachedTokens()).as("the header was evicted").isLessThan(header / 2);
                ScoringResult third = client.okResult(chat("turn-3", history + second.getGeneration().getText()
                        + "\nUser: And then?\nAssistant:"));
                assertThat(third.getUsage().getCachedTokens()).as("the session outlived the one-off prompts")
                        .isGreaterThanOrEqualTo(model.encodeText(turn1).length);

                assertWorkerMetrics(workerMetrics.url().orElseThrow(), header);
                assertTopologyMetrics(topologyMetrics.url().orElseThrow());
            } finally {
                worker.close();
                workerThread.join(Duration.ofSeconds(30).toMillis());
                workerMetrics.close();
            }
        }
    }

    /** 6 SCOREs and 3 GENERATEs of 8 tokens answered; the header reused once, then evicted. */
    private static void assertWorkerMetrics(URI url, int header) throws Exception {
        PrometheusScrape scrape = PrometheusScrape.fetch(url);
        assertThat(scrape.sum("logitstream_worker_requests_total",
                Map.of("model", MODEL, "task", "SCORE", "status", "OK", "code", "none"))).isGreaterThanOrEqualTo(6);
        assertThat(scrape.sum("logitstream_worker_requests_total", Map.of("task", "GENERATE", "status", "OK")))
                .isGreaterThanOrEqualTo(3);
        assertThat(scrape.sum("logitstream_worker_request_queue_seconds_count", Map.of("task", "SCORE")))
                .isGreaterThanOrEqualTo(6);
        assertThat(scrape.sum("logitstream_worker_request_compute_seconds_bucket",
                Map.of("task", "GENERATE", "le", "+Inf"))).isGreaterThanOrEqualTo(3);
        assertThat(scrape.sum("logitstream_worker_generated_tokens_total")).isGreaterThanOrEqualTo(3 * 8);
        assertThat(scrape.sum("logitstream_worker_computed_tokens_total", Map.of("phase", "prefill")))
                .isGreaterThan(header);
        assertThat(scrape.sum("logitstream_worker_computed_tokens_total", Map.of("phase", "decode")))
                .as("every generated token but the last is fed back").isGreaterThanOrEqualTo(3 * 7);
        assertThat(scrape.sum("logitstream_worker_step_duration_seconds_count")).isPositive();
        assertThat(scrape.sum("logitstream_worker_queued_requests")).isZero();
        assertThat(scrape.sum("logitstream_worker_running_requests")).isZero();

        double hits = scrape.sum("logitstream_worker_prefix_cache_hits_total");
        assertThat(hits).as("q2 and the session's turns").isGreaterThanOrEqualTo(3);
        assertThat(scrape.sum("logitstream_worker_prefix_cache_lookups_total")).isGreaterThanOrEqualTo(hits);
        assertThat(scrape.sum("logitstream_worker_prefix_cache_reused_tokens_total")).isGreaterThanOrEqualTo(header - 1);
        assertThat(scrape.sum("logitstream_worker_prefix_cache_evicted_tokens_total")).isPositive();
        assertThat(scrape.sum("logitstream_worker_prefix_cache_bytes")).isPositive()
                .isLessThanOrEqualTo(scrape.sum("logitstream_worker_prefix_cache_budget_bytes"));
        assertThat(scrape.sum("logitstream_worker_prefix_cache_budget_bytes")).isEqualTo(CACHE_BYTES);
        assertThat(scrape.samples()).as("the Kafka clients' own metrics")
                .anyMatch(sample -> sample.name().startsWith("kafka_consumer_fetch_manager_records_consumed"))
                .anyMatch(sample -> sample.name().startsWith("kafka_producer_"));
    }

    /** Every request routed to the model's pool; Kafka Streams' own metrics beside them. */
    private static void assertTopologyMetrics(URI url) throws Exception {
        PrometheusScrape scrape = PrometheusScrape.fetch(url);
        assertThat(scrape.sum("logitstream_topology_routed_total", Map.of("model", MODEL))).isGreaterThanOrEqualTo(9);
        assertThat(scrape.sum("logitstream_topology_dead_letters_total")).isZero();
        assertThat(scrape.samples()).as("Kafka Streams' metrics")
                .anyMatch(sample -> sample.name().startsWith("kafka_stream_"));
    }

    private static PromptRequest question(String id, String question) {
        return PromptRequest.newBuilder().setRequestId(id).setModel(MODEL).setTask(Task.SCORE)
                .setText(HEADER + "Question: " + question + "\nA. black\nB. white\nAnswer:")
                .setContinuation(" A").setPrefixKey("colors-2-shot").build();
    }

    private static PromptRequest chat(String id, String text) {
        return PromptRequest.newBuilder().setRequestId(id).setModel(MODEL).setTask(Task.GENERATE).setText(text)
                .setSessionId("chat-fox").setGeneration(GenerationParams.newBuilder().setMaxNewTokens(8)
                        .setIgnoreEos(true).build()).build();
    }

    /** About 100 tokens of words no other prompt starts with. */
    private static String filler(int seed) {
        StringBuilder text = new StringBuilder("Filler " + seed + ":");
        for (int w = 0; w < 40; w++) {
            text.append(' ').append(Integer.toString((seed + 1) * 7919 * (w + 3), 36));
        }
        return text.toString();
    }

    private static void assertSameScore(ScoringResult actual, ScoringResult expected) {
        assertThat(actual.getScore().getSumLogprob()).isCloseTo(expected.getScore().getSumLogprob(), within(1e-5));
    }

    private static void assertSameGeneration(ScoringResult actual, ScoringResult expected) {
        assertThat(actual.getGeneration().getNewIds()).isEqualTo(expected.getGeneration().getNewIds());
        for (int i = 0; i < expected.getGeneration().getTokenLogprobs().size(); i++) {
            assertThat(actual.getGeneration().getTokenLogprobs().get(i))
                    .isCloseTo(expected.getGeneration().getTokenLogprobs().get(i), within(1e-5f));
        }
    }

    private static WorkItem item(PromptRequest request) {
        long now = System.currentTimeMillis();
        return new WorkItem(request, now, now);
    }

    private static Map<String, String> topologySettings(EmbeddedKafkaCluster kafka, SchemaRegistryProcess registry)
            throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("schema.registry.url", registry.url());
        settings.put("application.id", "prefix-e2e-" + UUID.randomUUID());
        settings.put("state.dir", Files.createTempDirectory("logitstream-streams").toString());
        settings.put("commit.interval.ms", "50");
        settings.put(TopologyConfig.MODELS_KEY, MODEL);
        settings.put(TopologyConfig.REQUEST_PARTITIONS_KEY, "2");
        return settings;
    }
}
