package io.logitstream.worker.engine.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.EmbeddingOverride;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.ForwardOutput;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.TestModels;
import io.logitstream.worker.engine.image.ImageDecoder;
import io.logitstream.worker.engine.internvl.InternVlImageProcessor;
import io.logitstream.worker.engine.internvl.InternVlModel;
import io.logitstream.worker.engine.internvl.InternVlPrompt;
import io.logitstream.worker.engine.layers.Int8Weight;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * int8 weights meet InternVL: transformers' bitsandbytes 8-bit loading replaces every nn.Linear but
 * the LM head (vision attention and MLP, the projector, the language model), so a folder saved that
 * way stores all of them int8 + SCB, and {@code --weights int8} on the float folder must quantize
 * the same layers to give the same outputs.
 */
class InternVlInt8Test {
    private static final String NAME = "tiny-internvl";

    /** The float fixture re-saved the way bitsandbytes saves an 8-bit model (int8 weight + SCB). */
    private static Path bnb8Folder(Path target) throws Exception {
        return resaved(target, true, java.util.function.UnaryOperator.identity(), null);
    }

    /**
     * The float fixture re-saved: linears int8 + SCB when {@code bnb8}, tensor names through {@code rename},
     * and config.json with {@code quantizationConfig} (JSON) when not null.
     */
    private static Path resaved(Path target, boolean bnb8, java.util.function.UnaryOperator<String> rename,
            String quantizationConfig) throws Exception {
        Path source = TestModels.modelDir(NAME);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().endsWith(".safetensors")) {
                    Files.copy(f, target.resolve(f.getFileName()));
                }
            }
        }
        SafetensorsWriter out = new SafetensorsWriter();
        try (Checkpoint w = Checkpoint.open(source); NDManager m = NDManager.newBaseManager(Device.cpu())) {
            for (String name : w.tensorNames()) {
                NDArray t = w.load(name, m);
                long[] shape = t.getShape().getShape();
                if (bnb8 && isLinear(name, shape)) {
                    String base = name.substring(0, name.length() - ".weight".length());
                    Int8Weight q = Int8Weight.quantize(t, ai.djl.ndarray.types.DataType.FLOAT32, m);
                    out.add(rename.apply(name), "I8", shape, q.quantized().toByteArray());
                    out.addF32(rename.apply(base + ".SCB"), new long[] {shape[0]},
                            t.abs().max(new int[] {1}).toFloatArray());
                } else {
                    out.addF32(rename.apply(name), shape, t.toFloatArray());
                }
            }
        }
        out.write(target.resolve(Checkpoint.SINGLE_FILE));
        if (quantizationConfig != null) {
            com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.node.ObjectNode config = (com.fasterxml.jackson.databind.node.ObjectNode)
                    json.readTree(target.resolve("config.json").toFile());
            config.set("quantization_config", json.readTree(quantizationConfig));
            Files.writeString(target.resolve("config.json"), json.writeValueAsString(config));
        }
        return target;
    }

    private static boolean isLinear(String name, long[] shape) {
        return shape.length == 2 && name.endsWith(".weight") && !name.contains("embed_tokens")
                && !name.contains("lm_head");
    }

    /** The logits of the golden's first image prompt. */
    private static float[] logits(LoadedModel m) throws Exception {
        JsonNode c = TestModels.golden(NAME).get("prompts").get(0);
        InternVlModel vlm = (InternVlModel) m.model();
        byte[] bytes = Files.readAllBytes(TestModels.root().resolve(c.get("image").asText()));
        InternVlImageProcessor.Tiles tiles = InternVlImageProcessor.forModel(m.dir(), m.config().raw(), vlm.tileSize())
                .process(ImageDecoder.decode(bytes));
        String text = InternVlPrompt.expand(c.get("text").asText(), new int[] {tiles.count()}, vlm.tokensPerTile());
        int[] ids = m.tokenizer().encode(text, false);
        EmbeddingOverride o = InternVlPrompt.override(ids, vlm.imageTokenId(),
                List.of(vlm.imageEmbeddings(tiles.pixels(), tiles.count())), List.of(new byte[32]),
                m.config().hiddenSize());
        try (NDManager scope = m.model().manager().newSubManager();
                ForwardOutput f = m.model().forward(ForwardInput.builder(new int[][] {ids}).embeddingOverrides(o).build(),
                        scope)) {
            return f.logits().toFloatArray();
        }
    }

    @Test
    void aBitsandbytes8BitFolderLoadsAndEqualsInt8AtLoad(@TempDir Path dir) throws Exception {
        Path bnb8 = bnb8Folder(dir);
        try (LoadedModel stored = ModelLoader.load(bnb8, "bnb8", Device.cpu(), WeightMode.AS_STORED);
                LoadedModel atLoad = ModelLoader.load(TestModels.modelDir(NAME), "int8", Device.cpu(),
                        WeightMode.INT8)) {
            float[] a = logits(stored);
            float[] b = logits(atLoad);
            assertEquals(a.length, b.length);
            double max = 0;
            for (int i = 0; i < a.length; i++) {
                max = Math.max(max, Math.abs(a[i] - b[i]));
            }
            System.out.printf("internvl bnb8 folder vs --weights int8: max |diff| %.3g%n", max);
            assertTrue(max <= 1e-4, "bnb8 folder and int8 at load differ by " + max);
        }
    }

    /**
     * llm_int8_skip_modules match the stored names, also through InternVL's renamed views: in the
     * layout transformers 5 saves ({@code model.vision_tower.}, {@code model.multi_modal_projector.},
     * {@code model.language_model.}) skipping those three modules leaves every linear float.
     */
    @Test
    void skipModulesMatchTheStoredNamesOfTheNestedModels(@TempDir Path dir) throws Exception {
        Path v5 = resaved(dir, false, name -> name.startsWith("language_model.model.")
                ? "model.language_model." + name.substring("language_model.model.".length()) : "model." + name,
                "{\"quant_method\":\"bitsandbytes\",\"load_in_8bit\":true,\"llm_int8_skip_modules\":"
                        + "[\"model.vision_tower\",\"model.multi_modal_projector\",\"model.language_model\"]}");
        try (LoadedModel skipped = ModelLoader.load(v5, "skipped", Device.cpu(), WeightMode.AS_STORED);
                LoadedModel plain = ModelLoader.load(TestModels.modelDir(NAME), "plain", Device.cpu(),
                        WeightMode.FLOAT)) {
            assertEquals(0, io.logitstream.worker.engine.WeightMemory.of(skipped.model())
                    .bytes(ai.djl.ndarray.types.DataType.INT8), "int8 bytes with every module skipped");
            float[] a = logits(skipped);
            float[] b = logits(plain);
            double max = 0;
            for (int i = 0; i < a.length; i++) {
                max = Math.max(max, Math.abs(a[i] - b[i]));
            }
            assertTrue(max <= 1e-5, "skipped-everything int8 differs from float by " + max);
        }
    }
}
