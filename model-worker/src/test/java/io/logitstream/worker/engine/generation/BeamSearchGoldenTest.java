package io.logitstream.worker.engine.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.CausalLanguageModel;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.ForwardOutput;
import io.logitstream.worker.engine.TestModels;
import io.logitstream.worker.engine.tensor.Torch;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * BeamSearch driven by the real engine reproduces transformers' model.generate(num_beams=...):
 * fixtures/golden/beam/&lt;model&gt;.json (fixtures/make_beam_golden.py) holds, per prompt and setting,
 * the returned hypotheses and sequences_scores. Each step recomputes every live beam's whole
 * sequence without a cache (all live beams have the same length, so one batch) and hands the
 * log-softmax of the last position to BeamSearch.
 */
class BeamSearchGoldenTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-gpt2", "tiny-llama", "tiny-mistral", "tiny-qwen2", "tiny-qwen2-moe"})
    void hypothesesAndScoresMatchTransformers(String name) {
        JsonNode golden = TestModels.readJson(TestModels.root().resolve("fixtures/golden/beam/" + name + ".json"));
        CausalLanguageModel model = TestModels.model(name).model();
        assertThat(golden.get("cases").size()).isGreaterThanOrEqualTo(30);
        int finishedByEos = 0;
        for (JsonNode c : golden.get("cases")) {
            String caseName = name + " " + c.get("name").asText();
            int[] prompt = TestModels.ints(c.get("prompt_ids"));
            BeamSearch search = new BeamSearch(settings(c));
            while (!search.isDone()) {
                search.step(lastLogprobs(model, prompt, search), model.vocabSize());
            }
            List<BeamHypothesis> got = search.result();
            JsonNode sequences = c.get("sequences");
            assertThat(got).as(caseName).hasSize(sequences.size());
            for (int i = 0; i < got.size(); i++) {
                BeamHypothesis h = got.get(i);
                assertThat(h.newIds()).as(caseName + " hypothesis " + i).containsExactly(TestModels.ints(sequences.get(i)));
                assertThat(h.score()).as(caseName + " score " + i)
                        .isCloseTo(c.get("sequences_scores").get(i).asDouble(), within(1e-4));
                boolean eos = c.get("finished_by_eos").get(i).asBoolean();
                assertThat(h.finishReason()).as(caseName).isEqualTo(eos ? FinishReason.EOS : FinishReason.LENGTH);
                finishedByEos += eos ? 1 : 0;
            }
        }
        assertThat(finishedByEos).as("hypotheses that end in EOS").isPositive();
    }

    static BeamSettings settings(JsonNode c) {
        JsonNode es = c.get("early_stopping");
        EarlyStopping earlyStopping = es.isTextual() && es.asText().equals("never") ? EarlyStopping.NEVER
                : EarlyStopping.fromFlag(es.asBoolean());
        Set<Integer> eos = new HashSet<>();
        c.get("eos_token_ids").forEach(e -> eos.add(e.asInt()));
        return new BeamSettings(c.get("num_beams").asInt(), c.get("length_penalty").asDouble(), earlyStopping,
                c.get("num_return_sequences").asInt(), c.get("max_new_tokens").asInt(), eos);
    }

    /** [liveBeams * vocab]: log-softmax of each live beam's next-token logits, from a cache-free forward. */
    private static float[] lastLogprobs(CausalLanguageModel model, int[] prompt, BeamSearch search) {
        int[][] batch = new int[search.liveBeams()][];
        for (int b = 0; b < batch.length; b++) {
            int[] generated = search.liveTokens(b);
            batch[b] = new int[prompt.length + generated.length];
            System.arraycopy(prompt, 0, batch[b], 0, prompt.length);
            System.arraycopy(generated, 0, batch[b], prompt.length, generated.length);
        }
        try (NDManager scope = model.manager().newSubManager();
                ForwardOutput out = model.forward(ForwardInput.builder(batch).logitsToKeep(1).build(), scope)) {
            NDArray logits = out.logits().reshape(batch.length, model.vocabSize());
            return Torch.logSoftmax(logits, -1).toFloatArray();
        }
    }
}
