package io.logitstream.worker.engine.generation;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A beam's text follows the same rule as a sampled or greedy reply ({@link GenerationStream}): the
 * stop token that finished it is not part of the text, also when it is an ordinary token (an
 * eos_token_ids entry of the request, ChatGLM3's role tokens) that skip_special_tokens would keep.
 */
class BeamTextTest {
    /** "The" in GPT-2's vocabulary: an ordinary token, used as a request's stop id. */
    private static final int THE = 464;
    private static final int WORLD = 995;

    @Test
    void aHypothesisEndingInAStopIdHasTheTextOfGreedyWithTheSameIds() {
        LoadedModel model = TestModels.tinyGpt2();
        int[] prompt = model.tokenizer().encode("Hello", false);
        BeamWork beams = new BeamWork(model, prompt, BeamSettings.of(2, 4, Set.of(THE)));
        String beamText = beams.text(new BeamHypothesis(new int[] {WORLD, WORLD, THE}, 0, FinishReason.EOS));

        int[] script = {WORLD, WORLD, THE};
        GenerationOptions scripted = GenerationOptions.greedy(4).withEos(Set.of(THE)).withPolicy(
                (logits, history) -> new int[] {script[history[0].length - prompt.length]});
        GenerationResult greedy = new Generator(model).generate(prompt, scripted, TokenListener.NONE);

        assertThat(greedy.finishReason()).isEqualTo(FinishReason.EOS);
        assertThat(beamText).isEqualTo(greedy.text()).isEqualTo(model.tokenizer().decode(new int[] {WORLD, WORLD}, true));
        // a hypothesis cut by length keeps all its tokens' text
        assertThat(beams.text(new BeamHypothesis(new int[] {WORLD, THE}, 0, FinishReason.LENGTH)))
                .isEqualTo(model.tokenizer().decode(new int[] {WORLD, THE}, true));
    }
}
