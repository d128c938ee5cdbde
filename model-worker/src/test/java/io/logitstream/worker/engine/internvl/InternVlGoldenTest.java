package io.logitstream.worker.engine.internvl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.EmbeddingOverride;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.ForwardOutput;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import io.logitstream.worker.engine.batch.SlotKvCache;
import io.logitstream.worker.engine.batch.StepLayout;
import io.logitstream.worker.engine.image.ImageDecoder;
import io.logitstream.worker.engine.image.RgbImage;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tiny InternVL fixture against transformers (fixtures/make_internvl_fixtures.py): the tile
 * counts and pixel values of the GotOcr2 image processor (PIL backend), the expanded prompt's
 * token ids, and the logits of a prompt with an image, through the plain forward and through the
 * batched step in two chunks that split the image tokens.
 */
class InternVlGoldenTest {
    static final String NAME = "tiny-internvl";
    static final double LOGIT_TOLERANCE = 1e-4;

    static LoadedModel model() {
        return TestModels.model(NAME);
    }

    static JsonNode golden() {
        return TestModels.golden(NAME);
    }

    static InternVlImageProcessor processor() {
        InternVlModel vlm = (InternVlModel) model().model();
        return InternVlImageProcessor.forModel(model().dir(), model().config().raw(), vlm.tileSize());
    }

    @Test
    void tileCountsMatchTheProcessor() {
        InternVlImageProcessor p = processor();
        for (JsonNode c : golden().get("tiling")) {
            assertEquals(c.get("tiles").asInt(), p.tileCount(c.get("width").asInt(), c.get("height").asInt()),
                    c.toString());
        }
    }

    @Test
    void pixelValuesMatchThePilProcessor() throws Exception {
        InternVlImageProcessor p = processor();
        var it = golden().get("pixels").fields();
        while (it.hasNext()) {
            JsonNode g = it.next().getValue();
            RgbImage img = ImageDecoder.decode(Files.readAllBytes(TestModels.root().resolve(g.get("image").asText())));
            InternVlImageProcessor.Tiles tiles = p.process(img);
            assertEquals(g.get("shape").get(0).asInt(), tiles.count());
            JsonNode want = g.get("values");
            assertEquals(want.size(), tiles.pixels().length);
            double max = 0;
            for (int i = 0; i < want.size(); i++) {
                max = Math.max(max, Math.abs(want.get(i).asDouble() - tiles.pixels()[i]));
            }
            System.out.printf("pixels %s: max |java - transformers| = %.3g%n", g.get("image").asText(), max);
            assertTrue(max <= 1e-6, g.get("image").asText() + " differs by " + max);
        }
    }

    /** The prompt's ids and embeddings override, built as the worker builds them. */
    static Object[] prompt(JsonNode c) throws Exception {
        LoadedModel m = model();
        InternVlModel vlm = (InternVlModel) m.model();
        byte[] bytes = Files.readAllBytes(TestModels.root().resolve(c.get("image").asText()));
        InternVlImageProcessor.Tiles tiles = processor().process(ImageDecoder.decode(bytes));
        assertEquals(c.get("tiles").asInt(), tiles.count());
        String text = InternVlPrompt.expand(c.get("text").asText(), new int[] {tiles.count()}, vlm.tokensPerTile());
        int[] ids = m.tokenizer().encode(text, false);
        assertArrayEquals(TestModels.ints(c.get("input_ids")), ids);
        float[] emb = vlm.imageEmbeddings(tiles.pixels(), tiles.count());
        EmbeddingOverride o = InternVlPrompt.override(ids, vlm.imageTokenId(), List.of(emb),
                List.of(MessageDigest.getInstance("SHA-256").digest(bytes)), m.config().hiddenSize());
        return new Object[] {ids, o};
    }

    @Test
    void logitsOfAPromptWithAnImageMatchTransformers() throws Exception {
        for (JsonNode c : golden().get("prompts")) {
            Object[] p = prompt(c);
            int[] ids = (int[]) p[0];
            try (NDManager out = model().model().manager().newSubManager()) {
                ForwardOutput f = model().model().forward(ForwardInput.builder(new int[][] {ids})
                        .embeddingOverrides((EmbeddingOverride) p[1]).build(), out);
                float[][] logits = rows(f.logits().reshape(ids.length, -1));
                double max = compare(c, logits, 0);
                System.out.printf("%s forward: max logit diff %.3g%n", c.get("image").asText(), max);
            }
        }
    }

    @Test
    void batchedStepsSplittingTheImageGiveTheSameLogits() throws Exception {
        JsonNode c = golden().get("prompts").get(1);
        Object[] p = prompt(c);
        int[] ids = (int[]) p[0];
        EmbeddingOverride o = (EmbeddingOverride) p[1];
        int split = o.first() + 3; // the first chunk ends inside the image
        SlotKvCache cache = model().model().newSlotCache(2);
        try (NDManager out = model().model().manager().newSubManager(); cache) {
            int slot = cache.allocate(1);
            StepLayout first = StepLayout.of(List.of(new StepLayout.Entry(slot, 0,
                    java.util.Arrays.copyOfRange(ids, 0, split), 0, split, o)));
            float[][] a = rows(model().model().forwardStep(first, cache, out));
            StepLayout second = StepLayout.of(List.of(new StepLayout.Entry(slot, split,
                    java.util.Arrays.copyOfRange(ids, split, ids.length), 0, ids.length - split, o)));
            float[][] b = rows(model().model().forwardStep(second, cache, out));
            float[][] all = new float[ids.length][];
            System.arraycopy(a, 0, all, 0, a.length);
            System.arraycopy(b, 0, all, a.length, b.length);
            System.out.printf("batched: max logit diff %.3g%n", compare(c, all, 0));
        }
    }

    private static double compare(JsonNode c, float[][] logits, int from) {
        int[] cols = TestModels.ints(c.get("columns"));
        JsonNode sample = c.get("logits_sample");
        double max = 0;
        for (int pos = from; pos < logits.length; pos++) {
            for (int j = 0; j < cols.length; j++) {
                double d = Math.abs(sample.get(pos).get(j).asDouble() - logits[pos][cols[j]]);
                max = Math.max(max, d);
            }
        }
        assertTrue(max <= LOGIT_TOLERANCE, "logits differ from transformers by " + max);
        return max;
    }

    static float[][] rows(NDArray logits) {
        int n = (int) logits.getShape().get(0);
        int v = (int) logits.getShape().get(1);
        float[] flat = logits.toFloatArray();
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * v, (i + 1) * v);
        }
        return out;
    }
}
