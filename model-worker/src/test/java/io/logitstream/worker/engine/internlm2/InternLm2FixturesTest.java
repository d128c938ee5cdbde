package io.logitstream.worker.engine.internlm2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.worker.engine.CausalLanguageModel;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.ForwardOutput;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoadException;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.TestModels;
import io.logitstream.worker.engine.generation.GenerationOptions;
import io.logitstream.worker.engine.generation.GenerationResult;
import io.logitstream.worker.engine.generation.Generator;
import io.logitstream.worker.engine.generation.TokenListener;
import io.logitstream.worker.engine.weights.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The InternLM2 fixtures hold the weights of a Llama-style fixture in InternLM2's layout
 * (fixtures/make_internlm2_fixtures.py): loaded as {@code internlm2} they must compute exactly
 * what the source computes. variant-internlm2-dynamic has two key/value groups (so a wrong
 * unpacking order would mix heads) and dynamic NTK rope; tiny-internlm2 has {@code bias: true}
 * (wqkv and wo biases), tied embeddings and a tokenizer.
 *
 * <p>Why 1e-5 and not bit-identical: F32 weights are used straight from the memory-mapped file,
 * and a one-token forward (a matrix-vector product) rounds differently with the weights' address
 * alignment, which differs between the two files. The same Llama fixture re-written with its
 * tensors shifted by 4 bytes differs from itself by up to 2.4e-6 there; longer inputs and the BF16
 * fixture (converted into fresh buffers) come out bit-identical.
 */
class InternLm2FixturesTest {
    private static final double TOL = 1e-5;

    @TempDir
    Path tmp;

    /** The golden prompts plus random ones (for the dynamic-rope fixture the longest exceeds max_position_embeddings). */
    private static List<int[]> inputs(String source, int vocab, int maxPositions) {
        List<int[]> out = new ArrayList<>();
        TestModels.golden(source).get("cases").forEach(c -> out.add(TestModels.ints(c.get("input_ids"))));
        Random random = new Random(11);
        for (int len : new int[] {1, 7, maxPositions + 5}) {
            out.add(random.ints(Math.min(len, 64), 0, vocab).toArray());
        }
        return out;
    }

    private static float[] logits(CausalLanguageModel model, int[] ids) {
        try (NDManager scope = model.manager().newSubManager();
                ForwardOutput out = model.forward(ForwardInput.of(ids), scope)) {
            return out.logits().toFloatArray();
        }
    }

    @ParameterizedTest
    @CsvSource({"variant-internlm2-dynamic, variant-llama-dynamic", "tiny-internlm2, tiny-qwen2"})
    void sameLogitsAndGreedyTokensAsTheSourceFixture(String internlm2, String source) {
        LoadedModel model = TestModels.model(internlm2);
        LoadedModel reference = TestModels.model(source);
        assertThat(model.model()).isInstanceOf(InternLm2Model.class);
        assertThat(model.model().contextLength()).isEqualTo(reference.model().contextLength());
        int maxPositions = model.config().maxPositions();
        Generator gen = new Generator(model);
        Generator refGen = new Generator(reference);
        double worst = 0;
        for (int[] ids : inputs(source, model.model().vocabSize(), maxPositions)) {
            float[] actual = logits(model.model(), ids);
            float[] expected = logits(reference.model(), ids);
            assertThat(actual).hasSameSizeAs(expected);
            for (int i = 0; i < actual.length; i++) {
                worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
            }
            GenerationOptions greedy = GenerationOptions.greedy(8).withIgnoreEos(true);
            GenerationResult r = gen.generate(ids, greedy, TokenListener.NONE);
            assertThat(r.newIds()).as("%s greedy after %d ids", internlm2, ids.length)
                    .containsExactly(refGen.generate(ids, greedy, TokenListener.NONE).newIds());
        }
        assertThat(worst).as("%s vs %s max |logit difference|", internlm2, source).isLessThanOrEqualTo(TOL);
        System.out.printf("%s vs %s: max |dlogit| %.2e%n", internlm2, source, worst);
    }

    @Test
    void textInTextOutWithTheCopiedTokenizer() {
        LoadedModel model = TestModels.model("tiny-internlm2");
        int[] ids = model.encodeText("Grüße aus Köln");
        assertThat(ids).containsExactly(TestModels.model("tiny-qwen2").encodeText("Grüße aus Köln"));
        GenerationResult r = new Generator(model).generate(ids, GenerationOptions.greedy(6).withIgnoreEos(true),
                TokenListener.NONE);
        GenerationResult expected = new Generator(TestModels.model("tiny-qwen2")).generate(ids,
                GenerationOptions.greedy(6).withIgnoreEos(true), TokenListener.NONE);
        assertThat(r.text()).isEqualTo(expected.text()).isNotEmpty();
    }

    @Test
    void wqkvThatDoesNotMatchTheConfigIsRejectedAtLoad() throws Exception {
        // the checkpoint packs 2 key/value groups (64 rows); a config claiming 1 expects (4 + 2) x 8 = 48
        Path dir = Files.createDirectories(tmp.resolve("one-kv-head"));
        Path src = TestModels.modelDir("variant-internlm2-dynamic");
        Files.copy(src.resolve(Checkpoint.SINGLE_FILE), dir.resolve(Checkpoint.SINGLE_FILE));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(src.resolve("config.json").toFile());
        config.put("num_key_value_heads", 1);
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(config));
        assertThatThrownBy(() -> ModelLoader.load(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("tensor 'model.layers.0.attention.wqkv.weight' has shape [64, 32], "
                        + "expected [48, 32]")
                .hasMessageContaining("(num_attention_heads 4 + 2 x num_key_value_heads 1) x head_dim 8");
    }
}
