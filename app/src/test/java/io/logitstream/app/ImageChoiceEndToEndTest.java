package io.logitstream.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.contract.ErrorCodes;
import io.logitstream.contract.Topics;
import io.logitstream.schema.DeadLetter;
import io.logitstream.schema.ImageInput;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.testkit.EmbeddedKafkaCluster;
import io.logitstream.testkit.SchemaRegistryProcess;
import io.logitstream.topology.TopologyApp;
import io.logitstream.topology.TopologyConfig;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.kafka.KafkaClients;
import io.logitstream.worker.kafka.KafkaModelWorker;
import io.logitstream.worker.kafka.WorkerSettings;
import io.logitstream.worker.serving.ServingScheduler;
import io.logitstream.worker.task.TaskRouter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A multiple-choice question about an image through the whole stack (real broker, registry,
 * topology, worker on the tiny InternVL fixture): the probabilities of A-D equal transformers'
 * (fixtures/golden/tiny-internvl.json) for an inline image and for one referenced by a file uri;
 * the same question about another image gets that image's answer even though it shares the
 * prefix key (and its image tokens' ids) with the first; a malformed image input is dead-lettered.
 */
class ImageChoiceEndToEndTest {
    static final String MODEL = "tiny-internvl";
    static final Path ROOT = EndToEndScenario.ROOT;
    static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Test
    void choiceAboutAnImageOverKafkaMatchesTransformers() throws Exception {
        JsonNode golden = new ObjectMapper().readTree(ROOT.resolve("fixtures/golden/tiny-internvl.json").toFile());
        JsonNode first = golden.get("prompts").get(0);
        JsonNode second = golden.get("prompts").get(1);
        Path secondImage = ROOT.resolve(second.get("image").asText());
        System.setProperty("logitstream.images.dirs", secondImage.getParent().toString());
        Topics topics = Topics.defaults();
        try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start();
                SchemaRegistryProcess registry = SchemaRegistryProcess.start();
                LoadedModel model = ModelLoader.load(ROOT.resolve("fixtures/models/" + MODEL));
                TopologyApp topology = new TopologyApp(TopologyConfig.from(topologySettings(kafka, registry))).start()) {
            assertThat(topology.awaitRunning(TIMEOUT)).isTrue();
            WorkerSettings settings = WorkerSettings.of(kafka.bootstrapServers(), registry.url(), MODEL, "vl-worker",
                    Map.of());
            KafkaModelWorker worker = new KafkaModelWorker(settings, new ServingScheduler(new TaskRouter(model,
                    "vl-worker"), BatchBudgets.defaults()), KafkaClients.of(settings));
            Thread workerThread = new Thread(worker, "vl-worker");
            workerThread.start();
            try (RequestReplyClient client = new RequestReplyClient(kafka.bootstrapServers(), registry.url(), topics,
                    TIMEOUT)) {
                byte[] png = Files.readAllBytes(ROOT.resolve(first.get("image").asText()));
                ScoringResult inline = client.result(choice("inline", first, ImageInput.newBuilder()
                        .setData(ByteBuffer.wrap(png)).setMimeType("image/png").build()));
                ScoringResult byUri = client.result(choice("by-uri", second, ImageInput.newBuilder()
                        .setUri(secondImage.toUri().toString()).build()));
                ScoringResult again = client.result(choice("inline-again", first, ImageInput.newBuilder()
                        .setData(ByteBuffer.wrap(png)).build()));

                assertLetters(inline, first);
                assertLetters(byUri, second);
                assertLetters(again, first);
                assertThat(inline.getInputIds()).hasSize(first.get("input_ids").size());

                DeadLetter bad = client.deadLetter(choice("both-sources", first, ImageInput.newBuilder()
                        .setData(ByteBuffer.wrap(png)).setUri("https://example.com/x.png").build()));
                assertThat(bad.getErrorCode()).isEqualTo(ErrorCodes.INVALID_REQUEST);
                assertThat(bad.getErrorMessage()).contains("images[0] must set exactly one of data and uri");
            } finally {
                worker.close();
                workerThread.join(Duration.ofSeconds(30).toMillis());
                System.clearProperty("logitstream.images.dirs");
            }
        }
    }

    private static void assertLetters(ScoringResult r, JsonNode golden) {
        assertThat(r.getStatus()).as("%s", r.getError()).isEqualTo(ResultStatus.OK);
        assertThat(r.getChoice().getCandidates()).hasSize(4);
        for (int i = 0; i < 4; i++) {
            assertThat(r.getChoice().getCandidates().get(i).getProbability()).as("P(%s)", "ABCD".charAt(i))
                    .isCloseTo(golden.get("choice").get("probability").get(i).asDouble(), within(1e-4));
        }
    }

    private static PromptRequest choice(String id, JsonNode golden, ImageInput image) {
        return PromptRequest.newBuilder().setRequestId(id).setModel(MODEL).setTask(Task.CHOICE)
                .setText(golden.get("text").asText()).setChoices(List.of(" A", " B", " C", " D"))
                .setPrefixKey("picture-quiz").setImages(List.of(image)).build();
    }

    private static Map<String, String> topologySettings(EmbeddedKafkaCluster kafka, SchemaRegistryProcess registry)
            throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("bootstrap.servers", kafka.bootstrapServers());
        settings.put("schema.registry.url", registry.url());
        settings.put("application.id", "image-e2e-" + UUID.randomUUID());
        settings.put("state.dir", Files.createTempDirectory("logitstream-streams").toString());
        settings.put("commit.interval.ms", "50");
        settings.put(TopologyConfig.MODELS_KEY, MODEL);
        return settings;
    }
}
