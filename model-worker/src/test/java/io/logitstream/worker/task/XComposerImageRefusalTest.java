package io.logitstream.worker.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.ImageInput;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.schema.TeacherParams;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * InternLM-XComposer2 (fixtures/models/tiny-xcomposer2) through the router: every language-model task
 * is served on text, with tiny-internlm2's numbers, and the same request with an image is refused with
 * UNSUPPORTED naming the missing CLIP + PLoRA path, not with the generic "reads text only".
 */
class XComposerImageRefusalTest {
    private static LoadedModel model;
    private static TaskRouter router;
    private static byte[] png;

    @BeforeAll
    static void load() throws Exception {
        model = TestModels.model("tiny-xcomposer2");
        router = new TaskRouter(model, "test-worker");
        png = Files.readAllBytes(TestModels.root().resolve("fixtures/images/rgb-112x56.png"));
    }

    private static PromptRequest.Builder request(Task task) {
        PromptRequest.Builder b = PromptRequest.newBuilder().setRequestId("r-" + System.nanoTime())
                .setModel(model.name()).setTask(task).setText("Hello world, this is a tiny test.");
        switch (task) {
            case CHOICE -> b.setChoices(List.of(" A", " B"));
            case TEACHER -> b.setTeacher(TeacherParams.newBuilder().setTopK(3).build());
            case GENERATE -> b.setGeneration(GenerationParams.newBuilder().setMaxNewTokens(3).setIgnoreEos(true).build());
            default -> { }
        }
        return b;
    }

    private static ScoringResult handle(PromptRequest request) {
        long now = System.currentTimeMillis();
        return router.handle(new WorkItem(request, now, now), TokenSink.DISCARD);
    }

    @ParameterizedTest
    @EnumSource(value = Task.class, names = {"SCORE", "TEACHER", "GENERATE", "CHOICE"})
    void textIsServedAndImagesAreRefusedAsUnsupported(Task task) {
        ScoringResult text = handle(request(task).build());
        assertThat(text.getStatus()).as(String.valueOf(text.getError())).isEqualTo(ResultStatus.OK);

        ScoringResult withImage = handle(request(task)
                .setImages(List.of(ImageInput.newBuilder().setData(ByteBuffer.wrap(png)).build())).build());
        assertThat(withImage.getStatus()).isEqualTo(ResultStatus.ERROR);
        assertThat(withImage.getError().getCode()).isEqualTo(ErrorCodes.UNSUPPORTED);
        assertThat(withImage.getError().getMessage()).contains(model.name()).contains("internlmxcomposer2")
                .contains("CLIP").contains("Plora_A/Plora_B").contains("without images")
                .doesNotContain("reads text only");
    }

    @Test
    void scoreOnTextHasTinyInternLm2sTransformersNumbers() {
        JsonNode c = TestModels.golden("tiny-xcomposer2").get("cases").get(0);
        ScoringResult r = handle(request(Task.SCORE).build());
        assertThat(r.getInputIds()).containsExactlyElementsOf(
                java.util.stream.IntStream.of(TestModels.ints(c.get("input_ids"))).boxed().toList());
        List<Float> logprobs = r.getScore().getTokenLogprobs();
        for (int t = 1; t < logprobs.size(); t++) {
            assertThat((double) logprobs.get(t)).isCloseTo(c.get("token_logprobs").get(t).asDouble(), within(1e-4));
        }
    }
}
