package io.logitstream.worker.engine.internvl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.EmbeddingOverride;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.TestModels;
import io.logitstream.worker.engine.image.ImageDecoder;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fp16 compute path ({@code --device gpu}) of InternVL, run on the CPU: the vision encoder and
 * projector in fp16, image embeddings cast into the fp16 hidden states, fp32 logits close to the
 * fp32 goldens (the path end to end, not 1e-4 fidelity).
 */
class InternVlFp16Test {

    @Test
    void fp16ComputeFollowsTheFp32Goldens() throws Exception {
        JsonNode c = TestModels.golden(InternVlGoldenTest.NAME).get("prompts").get(0);
        try (LoadedModel m = ModelLoader.load(TestModels.modelDir(InternVlGoldenTest.NAME), "fp16", Device.cpu(),
                DataType.FLOAT16)) {
            InternVlModel vlm = (InternVlModel) m.model();
            byte[] bytes = Files.readAllBytes(TestModels.root().resolve(c.get("image").asText()));
            InternVlImageProcessor.Tiles tiles = InternVlImageProcessor.forModel(m.dir(), m.config().raw(),
                    vlm.tileSize()).process(ImageDecoder.decode(bytes));
            int[] ids = TestModels.ints(c.get("input_ids"));
            EmbeddingOverride o = InternVlPrompt.override(ids, vlm.imageTokenId(),
                    List.of(vlm.imageEmbeddings(tiles.pixels(), tiles.count())), List.of(new byte[8]),
                    m.config().hiddenSize());
            try (NDManager out = vlm.manager().newSubManager()) {
                var logits = vlm.forward(ForwardInput.builder(new int[][] {ids}).embeddingOverrides(o).build(), out)
                        .logits();
                assertThat(logits.getDataType()).isEqualTo(DataType.FLOAT32);
                float[][] rows = InternVlGoldenTest.rows(logits.reshape(ids.length, -1));
                int[] cols = TestModels.ints(c.get("columns"));
                int last = ids.length - 1;
                for (int j = 0; j < cols.length; j++) {
                    assertThat((double) rows[last][cols[j]])
                            .isCloseTo(c.get("logits_sample").get(last).get(j).asDouble(), within(0.1));
                }
            }
        }
    }
}
