package io.logitstream.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.app.batch.Submission;
import io.logitstream.app.runs.DiffCommand;
import io.logitstream.app.runs.TopicReader;
import io.logitstream.contract.ErrorCodes;
import io.logitstream.contract.Topics;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoringResult;
import io.logitstream.serde.AvroDeserializer;
import io.logitstream.testkit.EmbeddedKafkaCluster;
import io.logitstream.testkit.SchemaRegistryProcess;
import io.logitstream.topology.TopologyApp;
import io.logitstream.topology.TopologyConfig;
import io.logitstream.topology.runs.RunSettings;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.kafka.KafkaModelWorker;
import io.logitstream.worker.kafka.WorkerSettings;
import io.logitstream.worker.serving.ServingScheduler;
import io.logitstream.worker.task.TaskRouter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batch runs through the whole stack (in-process KRaft broker, the registry process, the topology,
 * two workers: tiny-gpt2 and a copy with one weight tensor changed, served as another model), all
 * through the {@code logitstream} command line: submit a mixed JSONL file and get every answer in
 * input order; stop a submit mid-way and run it again (nothing sent twice); lose the state file
 * (repeats are answered by DUPLICATE notices, not taken as answers); replay a run (empty diff) and
 * replay it against the changed checkpoint (non-empty diff). One stack for the whole class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BatchRunsEndToEndTest {

    static final String MODEL = EndToEndScenario.MODEL;
    static final String PERTURBED = "tiny-gpt2-perturbed";
    static final ObjectMapper JSON = new ObjectMapper();

    private final Topics topics = Topics.defaults();
    private final List<AutoCloseable> stack = new ArrayList<>();
    private EmbeddedKafkaCluster kafka;
    private SchemaRegistryProcess registry;
    private TopologyApp topology;
    @TempDir
    Path dir;

    @BeforeAll
    void startStack(@TempDir Path checkpoints) throws Exception {
        kafka = EmbeddedKafkaCluster.start();
        stack.add(kafka);
        registry = SchemaRegistryProcess.start();
        stack.add(registry);
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("schema.registry.url", registry.url());
        settings.put("application.id", "batch-e2e-" + UUID.randomUUID());
        settings.put("state.dir", Files.createTempDirectory("logitstream-streams").toString());
        settings.put("commit.interval.ms", "50");
        settings.put(TopologyConfig.MODELS_KEY, MODEL + "," + PERTURBED);
        settings.put(TopologyConfig.REQUEST_PARTITIONS_KEY, "2");
        settings.put(RunSettings.HTTP_PORT_KEY, "0");
        settings.put(RunSettings.HTTP_HOST_KEY, "127.0.0.1");
        settings.put(RunSettings.ADVERTISED_HOST_KEY, "127.0.0.1");
        topology = new TopologyApp(TopologyConfig.from(settings)).start();
        stack.add(topology);
        assertThat(topology.awaitRunning(Duration.ofSeconds(90))).isTrue();
        startWorker(EndToEndScenario.MODEL_DIR, MODEL, "batch-worker");
        startWorker(PerturbedCheckpoint.copy(EndToEndScenario.MODEL_DIR, checkpoints.resolve(PERTURBED)),
                PERTURBED, "batch-worker-perturbed");
    }

    private void startWorker(Path modelDir, String name, String workerId) throws Exception {
        LoadedModel model = ModelLoader.load(modelDir);
        stack.add(model);
        KafkaModelWorker worker = new KafkaModelWorker(
                WorkerSettings.of(kafka.bootstrapServers(), registry.url(), name, workerId, Map.of()),
                new ServingScheduler(new TaskRouter(model, workerId), BatchBudgets.defaults()));
        Thread thread = new Thread(worker, workerId);
        thread.start();
        stack.add(() -> {
            worker.close();
            thread.join(30_000);
        });
    }

    @AfterAll
    void stopStack() throws Exception {
        for (int i = stack.size() - 1; i >= 0; i--) {
            stack.get(i).close();
        }
    }

    @Test
    @Order(1)
    void submitWritesEveryAnswerInInputOrder() throws Exception {
        Path input = Files.write(dir.resolve("mixed.jsonl"), BatchFiles.mixed());
        Path mixedResults = dir.resolve("mixed.results.jsonl");

        Cli submit = cli("submit", input.toString(), "--run", "mixed", "--model", MODEL, "--timeout", "120");

        assertThat(submit.status).as(submit.err).isEqualTo(Submission.SOME_ERRORS); // the two bad lines
        List<JsonNode> lines = readJsonLines(mixedResults);
        assertThat(lines).hasSize(BatchFiles.mixed().size() - 1); // the blank line gets no answer
        assertThat(lines).extracting(l -> l.get("line").asInt()).isSorted().doesNotHaveDuplicates();
        for (JsonNode line : lines) {
            int number = line.get("line").asInt();
            if (BatchFiles.INVALID_LINES.contains(number)) {
                assertThat(line.at("/error/code").asText()).isEqualTo("INVALID_LINE");
                continue;
            }
            assertThat(line.get("status").asText()).as("line %d: %s", number, line.get("error")).isEqualTo("OK");
            assertThat(line.get("request_id").asText()).isEqualTo(String.format("mixed-%06d", number));
            assertThat(line.get("run_id").asText()).isEqualTo("mixed");
        }
        assertThat(lines.stream().filter(l -> "CHOICE".equals(l.path("task").asText())))
                .allSatisfy(l -> assertThat(l.at("/choice/correct").isBoolean()).isTrue());
        assertThat(lines.stream().filter(l -> "GENERATE".equals(l.path("task").asText())))
                .allSatisfy(l -> assertThat(l.at("/generation/new_ids")).hasSize(6));
        JsonNode summary = JSON.readTree(submit.out.strip());
        assertThat(summary.get("answered").asInt()).isEqualTo(lines.size());
        assertThat(summary.get("errors").asInt()).isEqualTo(BatchFiles.INVALID_LINES.size());
        theTopologysSummaryAgrees(lines);
    }

    /** The run's summary, kept by the topology from the workers' results, says what the results file says. */
    private void theTopologysSummaryAgrees(List<JsonNode> lines) throws Exception {
        String url = "http://127.0.0.1:" + topology.queryPort();
        long correct = lines.stream().filter(l -> l.at("/choice/correct").asBoolean(false)).count();
        long graded = lines.stream().filter(l -> l.at("/choice/correct").isBoolean()).count();
        awaitUntil(() -> capture("runs", "mixed", "--json", "--url", url).out.contains("\"answered\" : "
                + BatchFiles.REQUESTS + ","), Duration.ofSeconds(30));
        JsonNode run = JSON.readTree(capture("runs", "mixed", "--json", "--url", url).out);
        assertThat(run.path("requests").asInt()).isEqualTo(BatchFiles.REQUESTS);
        assertThat(run.path("done").asInt()).isEqualTo(BatchFiles.REQUESTS);
        assertThat(run.path("choice_graded").asLong()).isEqualTo(graded).isEqualTo(BatchFiles.CHOICES);
        assertThat(run.path("accuracy").asDouble()).isEqualTo(correct / (double) graded);
        assertThat(run.path("compute_ms").path("count").asInt()).isEqualTo(BatchFiles.REQUESTS);
        assertThat(run.path("models").get(0).path("fingerprint").asText()).startsWith("sha256:");
        assertThat(run.path("prompt_tokens").asLong()).isPositive();
        Cli table = capture("runs", "--url", url);
        assertThat(table.status).isZero();
        assertThat(table.out).containsPattern("mixed\\s+50\\s+50\\s+0\\s+0\\s+");
        System.out.println("logitstream runs:\n" + table.out + "logitstream runs mixed:\n"
                + capture("runs", "mixed", "--url", url).out);
    }

    @Test
    @Order(2)
    void aStoppedSubmitResumesWithoutSendingAnythingTwice() throws Exception {
        Path input = Files.write(dir.resolve("resume.jsonl"), BatchFiles.scores(30));
        Path state = dir.resolve(".resume.submit-state");
        AtomicInteger firstStatus = new AtomicInteger(-1);
        Thread first = new Thread(() -> firstStatus.set(Main.commandLine().execute(args("submit",
                input.toString(), "--run", "resume", "--model", MODEL, "--max-rate", "8"))), "first-submit");
        first.start();
        awaitUntil(() -> ackedLines(state) >= 6, Duration.ofSeconds(60));
        first.interrupt();
        first.join(60_000);
        int sentBeforeStop = ackedLines(state);

        assertThat(firstStatus.get()).isEqualTo(Submission.STOPPED);
        assertThat(sentBeforeStop).isBetween(6, 29);
        assertThat(dir.resolve("resume.results.jsonl")).doesNotExist();

        Cli second = cli("submit", input.toString(), "--run", "resume", "--model", MODEL, "--timeout", "120");

        assertThat(second.status).as(second.err).isEqualTo(Submission.ALL_OK);
        assertThat(JSON.readTree(second.out.strip()).get("sent_now").asInt()).isEqualTo(30 - sentBeforeStop);
        List<JsonNode> lines = readJsonLines(dir.resolve("resume.results.jsonl"));
        assertThat(lines).extracting(l -> l.get("request_id").asText())
                .containsExactlyElementsOf(Stream.iterate(1, i -> i + 1).limit(30)
                        .map(i -> String.format("resume-%06d", i)).toList());
        assertThat(lines).allSatisfy(l -> assertThat(l.get("status").asText()).isEqualTo("OK"));
        List<PromptRequest> sent = prompts(r -> "resume".equals(r.getRunId()));
        assertThat(sent).as("each request on llm.prompts exactly once").hasSize(30);
        assertThat(sent.stream().map(PromptRequest::getRequestId).distinct()).hasSize(30);
    }

    @Test
    @Order(3)
    void aLostStateResendsButTheRepeatsAreNotTakenAsAnswers() throws Exception {
        Path input = dir.resolve("lost.jsonl");
        Files.write(input, BatchFiles.scores(5));
        Cli first = cli("submit", input.toString(), "--run", "lost", "--model", MODEL, "--timeout", "120");
        String before = Files.readString(dir.resolve("lost.results.jsonl"));
        Files.delete(dir.resolve(".lost.submit-state")); // as if killed before it was ever written

        Cli again = cli("submit", input.toString(), "--run", "lost", "--model", MODEL, "--timeout", "120");

        assertThat(first.status).isEqualTo(Submission.ALL_OK);
        assertThat(again.status).as(again.err).isEqualTo(Submission.ALL_OK);
        assertThat(Files.readString(dir.resolve("lost.results.jsonl"))).isEqualTo(before);
        awaitUntil(() -> results(r -> "lost".equals(r.getRunId())).size() >= 10, Duration.ofSeconds(60));
        List<ScoringResult> results = results(r -> "lost".equals(r.getRunId()));
        assertThat(results.stream().filter(r -> r.getError() != null
                && ErrorCodes.DUPLICATE.equals(r.getError().getCode()))).hasSize(5);
    }

    @Test
    @Order(4)
    void aReplayOfTheSameModelAndSeedsGivesAnEmptyDiff() throws Exception {
        Cli replay = cli("replay", "--run", "mixed", "--as", "mixed-again", "--timeout", "120");
        Cli diff = cli("diff", "mixed", "mixed-again", "--json");

        assertThat(replay.status).as(replay.err).isZero();
        JsonNode summary = JSON.readTree(replay.out.strip());
        assertThat(summary.get("requests").asInt()).isEqualTo(BatchFiles.REQUESTS);
        assertThat(summary.get("seeds_carried").asInt()).isEqualTo(BatchFiles.SAMPLED_WITHOUT_SEED);
        assertThat(diff.status).as(diff.out + diff.err).isEqualTo(DiffCommand.IDENTICAL);
        JsonNode total = JSON.readTree(diff.out).get("total");
        assertThat(total.get("paired").asInt()).isEqualTo(BatchFiles.REQUESTS);
        assertThat(total.get("differing").asInt()).isZero();
        assertThat(total.get("max_logprob_delta").asDouble()).isLessThanOrEqualTo(1e-5);
        assertThat(total.get("provenance")).isEmpty();
        assertThat(total.at("/accuracy/choices_with_gold_run2").asInt()).isEqualTo(BatchFiles.CHOICES);
    }

    @Test
    @Order(5)
    void aReplayOnAChangedCheckpointGivesANonEmptyDiff() throws Exception {
        Cli replay = cli("replay", "--run", "mixed", "--as", "mixed-perturbed", "--model", PERTURBED,
                "--timeout", "120");
        Cli diff = cli("diff", "mixed", "mixed-perturbed", "--json");
        Cli text = cli("diff", "mixed", "mixed-perturbed");

        assertThat(replay.status).as(replay.err).isZero();
        assertThat(diff.status).isEqualTo(DiffCommand.DIFFERENT);
        JsonNode total = JSON.readTree(diff.out).get("total");
        assertThat(total.get("paired").asInt()).isEqualTo(BatchFiles.REQUESTS);
        assertThat(total.get("differing").asInt()).isEqualTo(BatchFiles.REQUESTS);
        assertThat(total.get("max_logprob_delta").asDouble()).isGreaterThan(1e-3);
        List<String> provenance = new ArrayList<>();
        total.get("provenance").fieldNames().forEachRemaining(provenance::add);
        assertThat(provenance).anyMatch(p -> p.startsWith("model_fingerprint "))
                .anyMatch(p -> p.equals("model_name " + MODEL + " -> " + PERTURBED));
        assertThat(text.status).isEqualTo(DiffCommand.DIFFERENT);
        assertThat(text.out).contains("logprob delta: max").contains("accuracy (CHOICE with gold)")
                .endsWith("different\n");
        assertThat(cli("diff", "mixed", "no-such-run").status).isEqualTo(DiffCommand.ERROR);
    }

    /** The exit status and what a command printed. */
    record Cli(int status, String out, String err) {
    }

    private Cli cli(String... command) {
        return capture(args(command));
    }

    /** A command run as given, its output captured. */
    private static Cli capture(String... args) {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int status;
        try {
            status = Main.commandLine().execute(args);
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        stderr.print(err.toString(StandardCharsets.UTF_8));
        return new Cli(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private String[] args(String... command) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of("--bootstrap-servers", kafka.bootstrapServers(), "--schema-registry-url", registry.url()));
        return all.toArray(String[]::new);
    }

    private static List<JsonNode> readJsonLines(Path file) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    private static int ackedLines(Path state) {
        try {
            int count = 0;
            for (JsonNode range : JSON.readTree(state.toFile()).path("acked")) {
                count += range.get(1).asInt() - range.get(0).asInt() + 1;
            }
            return count;
        } catch (Exception e) {
            return 0; // not written yet
        }
    }

    private List<PromptRequest> prompts(Predicate<PromptRequest> which) {
        return read(topics.prompts(), PromptRequest.class, which);
    }

    private List<ScoringResult> results(Predicate<ScoringResult> which) {
        return read(topics.results(), ScoringResult.class, which);
    }

    private <T extends org.apache.avro.specific.SpecificRecord> List<T> read(String topic, Class<T> type,
            Predicate<T> which) {
        AvroDeserializer<T> deserializer = new AvroDeserializer<>(type, new RestSchemaRegistryClient(registry.url()));
        List<T> out = new ArrayList<>();
        try (TopicReader reader = new TopicReader(KafkaEndpoint.plain(kafka.bootstrapServers(), registry.url()),
                List.of(topic), Duration.ofSeconds(30), "batch-e2e-reader")) {
            reader.readToEnd(record -> {
                T value = deserializer.deserialize(topic, record.value());
                if (value != null && which.test(value)) {
                    out.add(value);
                }
            });
        }
        return out;
    }

    private static void awaitUntil(java.util.function.BooleanSupplier condition, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited %s", timeout).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** The batch files of these tests. */
    static final class BatchFiles {
        static final Set<Integer> INVALID_LINES = Set.of(9, 30);
        static final int REQUESTS = 50;
        static final int CHOICES = 15;
        static final int SAMPLED_WITHOUT_SEED = 6;

        /** 50 requests (SCORE, CHOICE with gold, greedy, sampled with and without seed), 2 bad lines, a blank one. */
        static List<String> mixed() {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 15; i++) {
                lines.add(i % 2 == 0
                        ? "{\"task\": \"SCORE\", \"text\": \"The quick brown fox " + i + "\", \"top_logprobs\": 3}"
                        : "{\"task\": \"SCORE\", \"text\": \"Question " + i + ": is it\", \"continuation\": \" yes\"}");
                lines.add("{\"task\": \"CHOICE\", \"text\": \"Pick " + i + ":\", \"choices\": [\" A\", \" B\", \" C\"],"
                        + " \"gold_index\": " + (i % 3) + ", \"metadata\": {\"row\": \"" + i + "\"}}");
            }
            for (int i = 0; i < 10; i++) {
                lines.add("{\"task\": \"GENERATE\", \"text\": \"Once upon a time " + i + "\","
                        + " \"generation\": {\"max_new_tokens\": 6, \"ignore_eos\": true}}");
            }
            for (int i = 0; i < SAMPLED_WITHOUT_SEED; i++) {
                lines.add("{\"task\": \"GENERATE\", \"text\": \"Sampled " + i + "\", \"generation\":"
                        + " {\"max_new_tokens\": 6, \"do_sample\": true, \"temperature\": 1.5, \"ignore_eos\": true}}");
            }
            for (int i = 0; i < 4; i++) {
                lines.add("{\"task\": \"GENERATE\", \"text\": \"Seeded " + i + "\", \"generation\":"
                        + " {\"max_new_tokens\": 6, \"do_sample\": true, \"top_k\": 50, \"seed\": " + (100 + i)
                        + ", \"ignore_eos\": true}}");
            }
            lines.add(8, "{\"task\": \"SCORE\", \"text\": \"unterminated");
            lines.add(29, "{\"task\": \"SUMMARIZE\", \"text\": \"x\"}");
            lines.add(40, "");
            return lines;
        }

        static List<String> scores(int count) {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                lines.add("{\"task\": \"SCORE\", \"text\": \"Line " + i + " of a file to submit\"}");
            }
            return lines;
        }
    }
}
