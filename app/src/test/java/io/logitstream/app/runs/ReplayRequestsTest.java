package io.logitstream.app.runs;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A replayed request: new ids from the new run, the served seed, the origin, and nothing else changed. */
class ReplayRequestsTest {

    @Test
    void aSubmittedRequestKeepsItsLineAndGetsTheSeedItWasServedWith() {
        PromptRequest original = PromptRequest.newBuilder().setRequestId("r1-000042").setModel("m")
                .setTask(Task.GENERATE).setText("Once").setRunId("r1").setCreatedAtMs(5L)
                .setGeneration(GenerationParams.newBuilder().setDoSample(true).setMaxNewTokens(4).build())
                .setMetadata(Map.of(RunPositions.LINE_KEY, "42", "row", "a")).build();

        PromptRequest replayed = ReplayRequests.replay(original, "r2", null, 1234L);

        assertThat(replayed.getRequestId()).isEqualTo("r2-000042");
        assertThat(replayed.getRunId()).isEqualTo("r2");
        assertThat(replayed.getModel()).isEqualTo("m");
        assertThat(replayed.getCreatedAtMs()).isNull();
        assertThat(replayed.getGeneration().getSeed()).isEqualTo(1234L);
        assertThat(replayed.getGeneration().getMaxNewTokens()).isEqualTo(4);
        assertThat(replayed.getMetadata()).containsEntry("row", "a").containsEntry(RunPositions.LINE_KEY, "42")
                .containsEntry(RunPositions.ORIGIN_KEY, "r1-000042");
        assertThat(original.getGeneration().getSeed()).as("the original is not touched").isNull();
        assertThat(RunPositions.pairKey(replayed.getRequestId(), replayed.getMetadata()))
                .isEqualTo(RunPositions.pairKey(original.getRequestId(), original.getMetadata()));
    }

    @Test
    void anOwnSeedWinsAndRequestsWithoutALinePairThroughTheirOrigin() {
        PromptRequest original = PromptRequest.newBuilder().setRequestId("abc").setModel("m").setTask(Task.GENERATE)
                .setText("x").setRunId("r1")
                .setGeneration(GenerationParams.newBuilder().setSeed(7L).build()).build();

        PromptRequest replayed = ReplayRequests.replay(original, "r2", "other-model", 99L);
        PromptRequest again = ReplayRequests.replay(replayed, "r3", null, null);

        assertThat(replayed.getRequestId()).isEqualTo("r2:abc");
        assertThat(replayed.getModel()).isEqualTo("other-model");
        assertThat(replayed.getGeneration().getSeed()).isEqualTo(7L);
        assertThat(again.getMetadata()).containsEntry(RunPositions.ORIGIN_KEY, "abc");
        assertThat(RunPositions.pairKey(again.getRequestId(), again.getMetadata()))
                .isEqualTo(RunPositions.pairKey("abc", null)).isEqualTo("request abc");
    }

    @Test
    void aScoreWithoutAServedSeedGetsNoGenerationParameters() {
        PromptRequest original = PromptRequest.newBuilder().setRequestId("r1-000001").setModel("m")
                .setTask(Task.SCORE).setText("x").setRunId("r1").build();

        assertThat(ReplayRequests.replay(original, "r2", null, null).getGeneration()).isNull();
    }
}
