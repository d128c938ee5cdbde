package io.logitstream.worker.engine.generation;

import io.logitstream.worker.engine.scoring.ContinuationScore;
import io.logitstream.worker.engine.scoring.Scorer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.ContextLengthExceededException;
import io.logitstream.worker.engine.TestModels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GeneratorTest {
    private static Generator generator() {
        return new Generator(TestModels.tinyGpt2());
    }

    @Test
    void streamsEveryTokenWithDeltasThatAddUpToTheText() {
        JsonNode c = TestModels.goldenCase(TestModels.tinyGpt2Golden(), "unicode");
        int[] prompt = TestModels.ints(c.get("input_ids"));
        List<GeneratedToken> seen = new ArrayList<>();
        GenerationResult r = generator().generate(prompt,
                GenerationOptions.greedy(8).withIgnoreEos(true).withTopK(3), seen::add);
        assertThat(r.newIds()).containsExactly(TestModels.ints(c.get("greedy_new_ids")));
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(seen).hasSize(8);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < seen.size(); i++) {
            GeneratedToken t = seen.get(i);
            assertThat(t.index()).isEqualTo(i);
            assertThat(t.tokenId()).isEqualTo(r.newIds()[i]);
            assertThat(t.logprob()).isEqualTo(r.logprobs()[i]);
            assertThat(t.topIds()).hasSize(3).startsWith(t.tokenId());
            assertThat((double) t.topLogprobs()[0]).isCloseTo(t.logprob(), within(1e-6));
            assertThat(t.last()).isEqualTo(i == 7);
            assertThat(t.finishReason()).isEqualTo(i == 7 ? FinishReason.LENGTH : null);
            text.append(t.textDelta());
        }
        assertThat(text.toString()).isEqualTo(r.text());
    }

    @Test
    void generatedLogprobsEqualScoringTheSameTokens() {
        JsonNode c = TestModels.goldenCase(TestModels.tinyGpt2Golden(), "short");
        int[] prompt = TestModels.ints(c.get("input_ids"));
        GenerationResult r = generator().generateGreedy(prompt, 8, Set.of(), TokenListener.NONE);
        ContinuationScore s = new Scorer(TestModels.tinyGpt2().model()).scoreContinuation(prompt, r.newIds(), 0);
        for (int i = 0; i < r.newIds().length; i++) {
            assertThat((double) r.logprobs()[i]).isCloseTo(s.logprobs()[i], within(1e-4));
        }
        assertThat(s.isGreedy()).isTrue();
    }

    @Test
    void stopsAtEos() {
        JsonNode c = TestModels.goldenCase(TestModels.tinyGpt2Golden(), "short");
        int[] prompt = TestModels.ints(c.get("input_ids"));
        int[] greedy = TestModels.ints(c.get("greedy_new_ids"));
        GenerationResult r = generator().generateGreedy(prompt, 8, Set.of(greedy[2]), TokenListener.NONE);
        assertThat(r.newIds()).containsExactly(Arrays.copyOf(greedy, 3));
        assertThat(r.finishReason()).isEqualTo(FinishReason.EOS);
        // the model's own EOS (generation_config) is the default stop set
        GenerationResult d = generator().generateGreedy(prompt, 8, null, TokenListener.NONE);
        assertThat(d.newIds()).containsExactly(greedy);
    }

    @Test
    void contextLengthBoundsGenerationAndRejectsLongPrompts() {
        int ctx = TestModels.tinyGpt2().model().contextLength();
        int[] prompt = new int[ctx - 3];
        Arrays.fill(prompt, 464);
        GenerationResult r = generator().generate(prompt, GenerationOptions.greedy(50).withIgnoreEos(true),
                TokenListener.NONE);
        assertThat(r.newIds()).hasSize(4);
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThatThrownBy(() -> generator().generateGreedy(new int[ctx + 5], 4, null, TokenListener.NONE))
                .isInstanceOfSatisfying(ContextLengthExceededException.class, e -> {
                    assertThat(e.requested()).isEqualTo(ctx + 5);
                    assertThat(e.maximum()).isEqualTo(ctx);
                });
    }

    @Test
    void chatPromptGeneratesLikeTransformers() {
        JsonNode chat = TestModels.tinyGpt2Golden().get("chat");
        GenerationResult r = generator().generate(TestModels.ints(chat.get("input_ids")),
                GenerationOptions.greedy(8).withIgnoreEos(true), TokenListener.NONE);
        assertThat(r.newIds()).containsExactly(TestModels.ints(chat.get("greedy_new_ids")));
        assertThat(r.text()).isEqualTo(chat.get("greedy_text").asText());
    }
}
