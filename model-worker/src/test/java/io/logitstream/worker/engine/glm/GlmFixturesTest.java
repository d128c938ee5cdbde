package io.logitstream.worker.engine.glm;

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
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.generation.GenerationOptions;
import io.logitstream.worker.engine.generation.Generator;
import io.logitstream.worker.engine.generation.TokenListener;
import io.logitstream.worker.engine.layers.RopeConfig;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import io.logitstream.worker.engine.weights.Checkpoint;
import io.logitstream.worker.engine.weights.SafetensorsFile;
import io.logitstream.worker.engine.weights.TensorDType;
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
 * tiny-chatglm holds tiny-glm's weights in the original ChatGLM folder layout
 * (fixtures/make_glm_fixtures.py): loaded as {@code chatglm} it must compute exactly what the
 * {@code glm} fixture computes (whose numbers come from transformers). The golden,
 * batching and prefix-reuse tests run on all three fixtures through {@code TestModels.FIXTURES}.
 */
class GlmFixturesTest {
    /** Same weights and ops; GEMM rounding may differ with the buffers' alignment (see InternLm2FixturesTest). */
    private static final double TOL = 1e-5;

    @TempDir
    Path tmp;

    private static float[] logits(CausalLanguageModel model, int[] ids) {
        try (NDManager scope = model.manager().newSubManager();
                ForwardOutput out = model.forward(ForwardInput.of(ids), scope)) {
            return out.logits().toFloatArray();
        }
    }

    @Test
    void chatGlmLayoutGivesTheLogitsAndGreedyTokensOfTheGlmFixture() {
        LoadedModel chatglm = TestModels.model("tiny-chatglm");
        LoadedModel glm = TestModels.model("tiny-glm");
        assertThat(chatglm.model()).isInstanceOf(GlmModel.class);
        assertThat(chatglm.model().contextLength()).isEqualTo(glm.model().contextLength()).isEqualTo(512);
        List<int[]> inputs = new ArrayList<>();
        TestModels.golden("tiny-glm").get("cases").forEach(c -> inputs.add(TestModels.ints(c.get("input_ids"))));
        Random random = new Random(5);
        for (int len : new int[] {1, 7, 120}) {
            inputs.add(random.ints(len, 0, glm.model().vocabSize()).toArray());
        }
        GenerationOptions greedy = GenerationOptions.greedy(8).withIgnoreEos(true);
        double worst = 0;
        for (int[] ids : inputs) {
            float[] actual = logits(chatglm.model(), ids);
            float[] expected = logits(glm.model(), ids);
            assertThat(actual.length).isEqualTo(expected.length);
            for (int i = 0; i < actual.length; i++) {
                worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
            }
            assertThat(new Generator(chatglm).generate(ids, greedy, TokenListener.NONE).newIds())
                    .containsExactly(new Generator(glm).generate(ids, greedy, TokenListener.NONE).newIds());
        }
        System.out.printf("tiny-chatglm vs tiny-glm: max |dlogit| %.2e%n", worst);
        assertThat(worst).as("max |logit difference|").isLessThanOrEqualTo(TOL);
    }

    @Test
    void theBf16InvFreqBufferIsInTheCheckpointAndLeftUnread() throws Exception {
        Path file = TestModels.modelDir("tiny-chatglm").resolve(Checkpoint.SINGLE_FILE);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.info("transformer.rotary_pos_emb.inv_freq").dtype()).isEqualTo(TensorDType.BF16);
        }
        // loading it (TestModels did) would have created a BF16 array, which kills the JVM: still here
        assertThat(TestModels.model("tiny-chatglm").config().modelType()).isEqualTo("chatglm");
    }

    @Test
    void chatGlmConfigNamesMapOntoTheLlamaStyleConfig() {
        ModelConfig c = TestModels.model("tiny-chatglm").config();
        LlamaStyleConfig cfg = ChatGlmConfig.parse(c);
        LlamaStyleConfig glm = GlmConfig.parse(TestModels.model("tiny-glm").config());
        assertThat(cfg).isEqualTo(new LlamaStyleConfig(glm.hidden(), glm.layers(), glm.heads(), glm.kvHeads(),
                glm.headDim(), glm.intermediate(), glm.vocab(), glm.maxPositions(), glm.rmsNormEps(), glm.activation(),
                true, false, false, false, glm.rope(), null, java.util.Set.of()));
        assertThat(cfg.rope()).isEqualTo(new RopeConfig("default", 10000, 1, 0, 0, 512, 512, 8, true));
        assertThat(c.numKvHeads()).isEqualTo(2);
        assertThat(c.headDim()).isEqualTo(16);

        ObjectNode raw = c.raw().deepCopy();
        raw.put("multi_query_attention", false);
        raw.put("rope_ratio", 500);
        LlamaStyleConfig mha = ChatGlmConfig.parse(ModelConfig.parse(raw, "test"));
        assertThat(mha.kvHeads()).isEqualTo(4);
        assertThat(mha.rope().theta()).isEqualTo(5_000_000.0);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "rmsnorm | false | rmsnorm false (LayerNorm) is not implemented",
        "apply_residual_connection_post_layernorm | true | residual after the input norm",
        "post_layer_norm | false | no final norm"})
    void configsTheEngineDoesNotImplementAreRejected(String field, boolean value, String message) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(field));
        Path src = TestModels.modelDir("tiny-chatglm");
        Files.copy(src.resolve(Checkpoint.SINGLE_FILE), dir.resolve(Checkpoint.SINGLE_FILE));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(src.resolve("config.json").toFile());
        config.put(field, value);
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(config));
        assertThatThrownBy(() -> ModelLoader.load(dir)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(message);
    }

    @Test
    void glmDefaultsFollowTransformersGlmConfig() {
        ObjectNode raw = TestModels.model("tiny-glm").config().raw().deepCopy();
        raw.remove("rope_parameters");
        raw.remove("attention_bias");
        raw.remove("rms_norm_eps");
        LlamaStyleConfig cfg = GlmConfig.parse(ModelConfig.parse(raw, "test"));
        assertThat(cfg.qkvBias()).isTrue();
        assertThat(cfg.outputBias()).isFalse();
        assertThat(cfg.rmsNormEps()).isEqualTo(1.5625e-7);
        assertThat(cfg.rope().dim()).isEqualTo(8);
        assertThat(cfg.rope().interleaved()).isTrue();

        raw.remove("head_dim");
        assertThatThrownBy(() -> GlmConfig.parse(ModelConfig.parse(raw, "test")))
                .hasMessageContaining("glm config.json has no head_dim");
    }
}
