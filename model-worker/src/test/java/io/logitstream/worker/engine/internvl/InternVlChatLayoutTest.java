package io.logitstream.worker.engine.internvl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.EmbeddingOverride;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import io.logitstream.worker.engine.image.ImageDecoder;
import io.logitstream.worker.engine.internlm2.InternLm2Model;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The original InternVL2 folder layout ({@code model_type: internvl_chat}: {@code vision_model.*}
 * with stacked qkv, {@code mlp1}, {@code language_model.*}, {@code llm_config}, tiling settings in
 * config.json) loads into the same blocks: the tiny fixture re-saved that way, with its Qwen2 LM as
 * is and re-packed as InternLM2 (fixtures/make_internvl_fixtures.py), tiles the image the same way
 * and gives transformers' logits of the {@code internvl} original.
 */
class InternVlChatLayoutTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-internvl-chat", "tiny-internvl-chat-internlm2"})
    void sameWeightsInTheOriginalLayoutGiveTheSameLogits(String name) throws Exception {
        LoadedModel m = TestModels.model(name);
        InternVlModel vlm = (InternVlModel) m.model();
        assertEquals(InternVlLayout.CHAT, vlm.internVlConfig().layout());
        JsonNode golden = TestModels.golden(InternVlGoldenTest.NAME);
        InternVlImageProcessor processor = InternVlImageProcessor.forModel(m.dir(), m.config().raw(), vlm.tileSize());
        for (JsonNode c : golden.get("tiling")) {
            assertEquals(c.get("tiles").asInt(), processor.tileCount(c.get("width").asInt(), c.get("height").asInt()));
        }
        for (JsonNode c : golden.get("prompts")) {
            byte[] bytes = Files.readAllBytes(TestModels.root().resolve(c.get("image").asText()));
            InternVlImageProcessor.Tiles tiles = processor.process(ImageDecoder.decode(bytes));
            String text = InternVlPrompt.expand(c.get("text").asText(), new int[] {tiles.count()}, vlm.tokensPerTile());
            int[] ids = m.tokenizer().encode(text, false);
            int context = m.tokenizer().encode(InternVlPrompt.CONTEXT, false)[0];
            EmbeddingOverride o = InternVlPrompt.override(ids, context,
                    List.of(vlm.imageEmbeddings(tiles.pixels(), tiles.count())), List.of(new byte[8]),
                    m.config().hiddenSize());
            try (NDManager out = vlm.manager().newSubManager()) {
                float[][] logits = InternVlGoldenTest.rows(vlm.forward(ForwardInput.builder(new int[][] {ids})
                        .embeddingOverrides(o).build(), out).logits().reshape(ids.length, -1));
                int[] cols = TestModels.ints(c.get("columns"));
                double max = 0;
                for (int p = 0; p < ids.length; p++) {
                    for (int j = 0; j < cols.length; j++) {
                        max = Math.max(max, Math.abs(c.get("logits_sample").get(p).get(j).asDouble()
                                - logits[p][cols[j]]));
                    }
                }
                System.out.printf("%s %s: max logit diff %.3g%n", name, c.get("image").asText(), max);
                assertTrue(max <= InternVlGoldenTest.LOGIT_TOLERANCE, name + " differs by " + max);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void theInternLm2VariantRunsTheInternLm2Decoder() {
        InternVlModel vlm = (InternVlModel) TestModels.model("tiny-internvl-chat-internlm2").model();
        assertEquals(InternLm2Model.MODEL_TYPE, vlm.internVlConfig().languageModel().modelType());
    }
}
