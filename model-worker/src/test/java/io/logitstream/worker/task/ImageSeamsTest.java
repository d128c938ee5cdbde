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
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Images where they meet the other tasks and options on the tiny InternVL fixture: beam search
 * (held beams forked from the first one's image prefill), TEACHER, and CLASSIFY (a clean refusal).
 */
class ImageSeamsTest {
    private static LoadedModel model;
    private static JsonNode prompt;
    private static TaskRouter router;

    @BeforeAll
    static void load() {
        model = TestModels.model("tiny-internvl");
        prompt = TestModels.golden("tiny-internvl").get("prompts").get(0);
        router = new TaskRouter(model, "test-worker");
    }

    private static PromptRequest.Builder withImage(Task task) throws Exception {
        return PromptRequest.newBuilder().setRequestId("r-" + System.nanoTime()).setModel(model.name()).setTask(task)
                .setText(prompt.get("text").asText()).setImages(List.of(ImageInput.newBuilder()
                        .setData(ByteBuffer.wrap(ImageRequestTest.image(prompt))).build()));
    }

    private static ScoringResult handle(PromptRequest.Builder request) {
        long now = System.currentTimeMillis();
        ScoringResult r = router.handle(new WorkItem(request.build(), now, now), TokenSink.DISCARD);
        return r;
    }

    @Test
    void beamSearchOverAnImagePromptScoresWhatGreedySees() throws Exception {
        ScoringResult greedy = handle(withImage(Task.GENERATE)
                .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(1).build()));
        ScoringResult beams = handle(withImage(Task.GENERATE).setGeneration(GenerationParams.newBuilder()
                .setMaxNewTokens(1).setNumBeams(2).setNumReturnSequences(2).build()));

        assertThat(greedy.getStatus()).as(String.valueOf(greedy.getError())).isEqualTo(ResultStatus.OK);
        assertThat(beams.getStatus()).as(String.valueOf(beams.getError())).isEqualTo(ResultStatus.OK);
        // one new token: the best hypothesis is the argmax and its score is its logprob
        assertThat(beams.getGeneration().getNewIds()).isEqualTo(greedy.getGeneration().getNewIds());
        assertThat(beams.getGeneration().getSequences().get(0).getScore())
                .isCloseTo(greedy.getGeneration().getTokenLogprobs().get(0), within(1e-4));
        assertThat(beams.getProvenance().getParameters()).containsEntry("images", "1");
    }

    @Test
    void longerBeamsOverAnImageEqualBeamsOverTheSameEmbeddingsTwice() throws Exception {
        GenerationParams three = GenerationParams.newBuilder().setMaxNewTokens(3).setNumBeams(2)
                .setNumReturnSequences(2).build();
        ScoringResult a = handle(withImage(Task.GENERATE).setGeneration(three));
        ScoringResult b = handle(withImage(Task.GENERATE).setGeneration(three));
        assertThat(a.getStatus()).as(String.valueOf(a.getError())).isEqualTo(ResultStatus.OK);
        assertThat(b.getGeneration().getSequences()).isEqualTo(a.getGeneration().getSequences());
    }

    @Test
    void teacherWithAnImageTopsWithGreedysToken() throws Exception {
        ScoringResult greedy = handle(withImage(Task.GENERATE)
                .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(1).build()));
        ScoringResult teacher = handle(withImage(Task.TEACHER).setTeacher(TeacherParams.newBuilder().setTopK(3).build()));

        assertThat(teacher.getStatus()).as(String.valueOf(teacher.getError())).isEqualTo(ResultStatus.OK);
        List<List<Integer>> top = teacher.getTeacher().getTopIds();
        assertThat(top).hasSize(prompt.get("input_ids").size());
        assertThat(top.get(top.size() - 1).get(0)).isEqualTo(greedy.getGeneration().getNewIds().get(0));
    }

    @Test
    void classifyWithAnImageOnAVisionModelIsRefusedCleanly() throws Exception {
        ScoringResult r = handle(withImage(Task.CLASSIFY));
        assertThat(r.getStatus()).isEqualTo(ResultStatus.ERROR);
        assertThat(r.getError().getCode()).isEqualTo(ErrorCodes.UNSUPPORTED);
    }
}
