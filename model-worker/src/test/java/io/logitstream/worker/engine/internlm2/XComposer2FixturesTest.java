package io.logitstream.worker.engine.internlm2;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.worker.engine.CausalLanguageModel;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.ForwardOutput;
import io.logitstream.worker.engine.ImagesNotImplemented;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.TestModels;
import io.logitstream.worker.engine.generation.GenerationOptions;
import io.logitstream.worker.engine.generation.Generator;
import io.logitstream.worker.engine.generation.TokenListener;
import io.logitstream.worker.engine.weights.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fixtures/models/tiny-xcomposer2 is tiny-internlm2 in InternLM-XComposer2's layout
 * (fixtures/make_xcomposer_fixtures.py): the same decoder tensors plus random, non-zero PLoRA
 * matrices on every linear, a CLIP tower, its projector and the GN separators. Text-only, XComposer's
 * forward is InternLM2's on the base weights, so the logits and greedy tokens must be tiny-internlm2's;
 * were a LoRA matrix applied, they would not be. XComposer-2.5 writes {@code model_type: internlm2}
 * with {@code architectures: [InternLMXComposer2ForCausalLM]}; that form must load the same way.
 */
class XComposer2FixturesTest {
    private static final double TOL = 1e-5;

    @TempDir
    Path tmp;

    private static float[] logits(CausalLanguageModel model, int[] ids) {
        try (NDManager scope = model.manager().newSubManager();
                ForwardOutput out = model.forward(ForwardInput.of(ids), scope)) {
            return out.logits().toFloatArray();
        }
    }

    private static List<int[]> inputs(int vocab) {
        List<int[]> out = new ArrayList<>();
        TestModels.golden("tiny-internlm2").get("cases").forEach(c -> out.add(TestModels.ints(c.get("input_ids"))));
        Random random = new Random(5);
        for (int len : new int[] {1, 7, 40}) {
            out.add(random.ints(len, 0, vocab).toArray());
        }
        return out;
    }

    private static void assertSameAsInternLm2(LoadedModel model) {
        LoadedModel reference = TestModels.model("tiny-internlm2");
        assertThat(model.model()).isInstanceOf(XComposer2Model.class).isInstanceOf(ImagesNotImplemented.class);
        assertThat(model.model().contextLength()).isEqualTo(reference.model().contextLength());
        Generator gen = new Generator(model);
        Generator refGen = new Generator(reference);
        GenerationOptions greedy = GenerationOptions.greedy(8).withIgnoreEos(true);
        double worst = 0;
        for (int[] ids : inputs(model.model().vocabSize())) {
            float[] actual = logits(model.model(), ids);
            float[] expected = logits(reference.model(), ids);
            assertThat(actual).hasSameSizeAs(expected);
            for (int i = 0; i < actual.length; i++) {
                worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
            }
            assertThat(gen.generate(ids, greedy, TokenListener.NONE).newIds()).as("greedy after %d ids", ids.length)
                    .containsExactly(refGen.generate(ids, greedy, TokenListener.NONE).newIds());
        }
        assertThat(worst).as("max |logit difference| against tiny-internlm2").isLessThanOrEqualTo(TOL);
    }

    @Test
    void xcomposer2FolderComputesTinyInternLm2sLogitsAndGreedyTokens() {
        LoadedModel model = TestModels.model("tiny-xcomposer2");
        assertThat(model.config().modelType()).isEqualTo(XComposer2Model.MODEL_TYPE);
        assertSameAsInternLm2(model);
    }

    @Test
    void xcomposer25ConfigWithModelTypeInternLm2LoadsAsXComposer() throws Exception {
        Path src = TestModels.modelDir("tiny-xcomposer2");
        Path dir = Files.createDirectories(tmp.resolve("xcomposer2d5"));
        Files.copy(src.resolve(Checkpoint.SINGLE_FILE), dir.resolve(Checkpoint.SINGLE_FILE));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(src.resolve("config.json").toFile());
        config.put("model_type", InternLm2Model.MODEL_TYPE);
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(config));
        try (LoadedModel model = ModelLoader.load(dir)) {
            assertSameAsInternLm2(model);
        }
    }

    @Test
    void theFixtureReallyCarriesTheTensorsThatMustBeIgnored() {
        try (Checkpoint weights = Checkpoint.open(TestModels.modelDir("tiny-xcomposer2"))) {
            Set<String> names = weights.tensorNames();
            assertThat(names).contains("model.layers.0.attention.wqkv.weight", "model.layers.0.attention.wqkv.Plora_A.weight",
                    "model.layers.1.feed_forward.w2.Plora_B.weight", "vision_proj.0.weight", "plora_glb_GN",
                    "plora_sub_GN", "vit.vision_tower.vision_model.embeddings.patch_embedding.weight");
            assertThat(names.stream().filter(n -> n.contains(".Plora_"))).hasSize(2 * 5 * 2);
        }
    }

    @Test
    void plainInternLm2FoldersStayInternLm2() {
        assertThat(TestModels.model("tiny-internlm2").model()).isInstanceOf(InternLm2Model.class)
                .isNotInstanceOf(ImagesNotImplemented.class);
    }
}
