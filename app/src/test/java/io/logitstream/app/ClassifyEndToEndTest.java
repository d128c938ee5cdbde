package io.logitstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.contract.ErrorCodes;
import io.logitstream.contract.Topics;
import io.logitstream.registry.RestSchemaRegistryClient;
import io.logitstream.schema.ClassificationOutput;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.serde.AvroSerializer;
import io.logitstream.testkit.EmbeddedKafkaCluster;
import io.logitstream.testkit.SchemaRegistryProcess;
import io.logitstream.topology.TopologyApp;
import io.logitstream.topology.TopologyConfig;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.kafka.KafkaModelWorker;
import io.logitstream.worker.kafka.WorkerSettings;
import io.logitstream.worker.serving.ServingScheduler;
import io.logitstream.worker.task.TaskRouter;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * CLASSIFY through the whole stack (real broker, registry process, topology, a worker serving the
 * Qwen2ForSequenceClassification fixture): requests sent together are batched by the worker and
 * each result carries transformers' pooled logits and their softmax; an LM task on the classifier
 * gets an UNSUPPORTED result, and a CLASSIFY with a SCORE-only option is dead-lettered by the topology.
 */
class ClassifyEndToEndTest {
    private static final String MODEL = "tiny-qwen2-cls";
    private static final double TOL = 1e-5;

    @Test
    void classifyResultsCarryTransformersProbabilities() throws Exception {
        JsonNode golden = new ObjectMapper().readTree(
                EndToEndScenario.ROOT.resolve("fixtures/golden/" + MODEL + ".json").toFile());
        Topics topics = Topics.defaults();
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                SchemaRegistryProcess registry = SchemaRegistryProcess.start();
                LoadedModel model = ModelLoader.load(EndToEndScenario.ROOT.resolve("fixtures/models/" + MODEL));
                TopologyApp topology = new TopologyApp(TopologyConfig.from(topologySettings(kafka, registry))).start()) {
            assertThat(topology.awaitRunning(EndToEndScenario.TIMEOUT)).isTrue();
            KafkaModelWorker worker = new KafkaModelWorker(
                    WorkerSettings.of(kafka.bootstrapServers(), registry.url(), MODEL, "cls-worker", Map.of()),
                    new ServingScheduler(new TaskRouter(model, "cls-worker"), BatchBudgets.defaults()));
            Thread workerThread = new Thread(worker, "cls-worker");
            workerThread.start();
            try {
                Map<String, JsonNode> expected = new HashMap<>();
                List<PromptRequest> requests = new ArrayList<>();
                for (JsonNode c : golden.get("cases")) {
                    if (c.get("input_ids").size() != 1) {
                        continue; // the padded batches are the engine test's; a request is one sequence
                    }
                    String id = "cls-" + c.get("name").asText();
                    expected.put(id, c);
                    PromptRequest.Builder r = PromptRequest.newBuilder().setRequestId(id).setModel(MODEL)
                            .setTask(Task.CLASSIFY);
                    if (c.get("name").asText().startsWith("text_")) {
                        r.setText(c.get("text").asText());
                    } else {
                        r.setInputIds(ints(c.get("input_ids").get(0)));
                    }
                    requests.add(r.build());
                }
                requests.add(PromptRequest.newBuilder().setRequestId("lm-score").setModel(MODEL).setTask(Task.SCORE)
                        .setText("Hello world").build());
                requests.add(PromptRequest.newBuilder().setRequestId("cls-bad").setModel(MODEL).setTask(Task.CLASSIFY)
                        .setText("Hello world").setContinuation("!").build());
                AvroSerializer<PromptRequest> serializer =
                        new AvroSerializer<>(PromptRequest.class, new RestSchemaRegistryClient(registry.url()));
                try (KafkaProducer<String, byte[]> producer = EndToEndScenario.producer(kafka.bootstrapServers())) {
                    for (PromptRequest r : requests) {
                        producer.send(new ProducerRecord<>(topics.prompts(), r.getRequestId(),
                                serializer.serialize(topics.prompts(), r)));
                    }
                    producer.flush();
                }

                Map<String, ScoringResult> results = new HashMap<>();
                for (ScoringResult r : EndToEndScenario.readUntil(kafka.bootstrapServers(), registry.url(),
                        topics.results(), ScoringResult.class, "read_committed",
                        list -> list.size() >= expected.size() + 1)) {
                    results.put(r.getRequestId(), r);
                }
                for (Map.Entry<String, JsonNode> e : expected.entrySet()) {
                    assertClassified(e.getKey(), results.get(e.getKey()), e.getValue(), golden);
                }
                ScoringResult lm = results.get("lm-score");
                assertThat(lm.getStatus()).isEqualTo(ResultStatus.ERROR);
                assertThat(lm.getError().getCode()).isEqualTo(ErrorCodes.UNSUPPORTED);
                assertThat(lm.getError().getMessage()).contains("send task CLASSIFY");

                List<DeadLetter> dead = EndToEndScenario.readUntil(kafka.bootstrapServers(), registry.url(),
                        topics.deadLetters(), DeadLetter.class, "read_committed", list -> !list.isEmpty());
                assertThat(dead).extracting(DeadLetter::getRequestId).containsExactly("cls-bad");
                assertThat(dead.get(0).getErrorCode()).isEqualTo(ErrorCodes.INVALID_REQUEST);
                assertThat(results).doesNotContainKey("cls-bad");
            } finally {
                worker.close();
                workerThread.join(Duration.ofSeconds(30).toMillis());
            }
        }
    }

    private static void assertClassified(String id, ScoringResult r, JsonNode c, JsonNode golden) {
        assertThat(r).as(id).isNotNull();
        assertThat(r.getStatus()).as("%s: %s", id, r.getError()).isEqualTo(ResultStatus.OK);
        assertThat(r.getTask()).isEqualTo(Task.CLASSIFY);
        assertThat(r.getInputIds()).as(id).containsExactlyElementsOf(ints(c.get("input_ids").get(0)));
        ClassificationOutput out = r.getClassification();
        assertThat(out.getPooledIndex()).as(id).isEqualTo(c.get("pooled_index").get(0).asInt());
        JsonNode logits = c.get("logits").get(0);
        double max = Double.NEGATIVE_INFINITY;
        for (JsonNode l : logits) {
            max = Math.max(max, l.asDouble());
        }
        double sum = 0;
        for (JsonNode l : logits) {
            sum += Math.exp(l.asDouble() - max);
        }
        int best = 0;
        for (int i = 0; i < logits.size(); i++) {
            double probability = Math.exp(logits.get(i).asDouble() - max) / sum;
            assertThat(out.getLabels().get(i).getLabel()).isEqualTo(golden.get("labels").get(i).asText());
            assertThat((double) out.getLabels().get(i).getLogit()).as("%s logit %d", id, i)
                    .isCloseTo(logits.get(i).asDouble(), within(TOL));
            assertThat(out.getLabels().get(i).getProbability()).as("%s probability %d", id, i)
                    .isCloseTo(probability, within(TOL));
            best = logits.get(i).asDouble() > logits.get(best).asDouble() ? i : best;
        }
        assertThat(out.getBestLabel()).isEqualTo(golden.get("labels").get(best).asText());
        assertThat(out.getReward()).isNull();
        assertThat(r.getProvenance().getParameters()).containsEntry("problem_type", "single_label_classification");
        assertThat(r.getUsage().getPromptTokens()).isEqualTo(c.get("input_ids").get(0).size());
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asInt()));
        return out;
    }

    private static Map<String, String> topologySettings(EmbeddedKafkaCluster kafka, SchemaRegistryProcess registry)
            throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("schema.registry.url", registry.url());
        settings.put("application.id", "cls-e2e-" + UUID.randomUUID());
        settings.put("state.dir", Files.createTempDirectory("logitstream-streams").toString());
        settings.put("commit.interval.ms", "50");
        settings.put(TopologyConfig.MODELS_KEY, MODEL);
        settings.put(TopologyConfig.REQUEST_PARTITIONS_KEY, "2");
        return settings;
    }
}
