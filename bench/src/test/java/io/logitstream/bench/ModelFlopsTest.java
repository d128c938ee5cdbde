package io.logitstream.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.logitstream.worker.engine.config.ModelConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelFlopsTest {
    private static ModelConfig config(String json) throws Exception {
        return ModelConfig.parse(new ObjectMapper().readTree(json), "test");
    }

    @Test
    void gpt2SmallHas85MillionDenseParameters() throws Exception {
        ModelFlops f = ModelFlops.of(config("{\"model_type\":\"gpt2\",\"vocab_size\":50257,\"n_embd\":768,\"n_layer\":12,"
                + "\"n_head\":12,\"n_positions\":1024}"));
        assertThat(f.denseParams()).isEqualTo(12L * (4 * 768 * 768 + 2 * 768 * 3072));
        assertThat(f.lmHeadParams()).isEqualTo(50257L * 768);
        assertThat(f.attnWidth()).isEqualTo(768);
        // one token: no attention beyond itself
        assertThat(f.score(1)).isCloseTo(2.0 * f.denseParams() + 2.0 * f.lmHeadParams() + 12 * 4.0 * 768, within(1e-3));
    }

    @Test
    void qwen2CountsGroupedQueryAttentionAndTheGatedMlp() throws Exception {
        ModelFlops f = ModelFlops.of(config("{\"model_type\":\"qwen2\",\"vocab_size\":151936,\"hidden_size\":512,"
                + "\"intermediate_size\":2816,\"num_hidden_layers\":4,\"num_attention_heads\":8,\"num_key_value_heads\":2,"
                + "\"max_position_embeddings\":4096,\"tie_word_embeddings\":true}"));
        long perLayer = 512L * 512 + 2L * 512 * 128 + 512L * 512 + 3L * 512 * 2816;
        assertThat(f.denseParams()).isEqualTo(4 * perLayer);
        assertThat(f.embeddingParams()).isEqualTo(151936L * 512);
    }

    @Test
    void glmCountsItsOwnHeadDimAndTheUntiedLmHead() throws Exception {
        // the glm-101m bench checkpoint: head_dim is given (GlmConfig does not derive it from hidden / heads)
        ModelFlops f = ModelFlops.of(config("{\"model_type\":\"glm\",\"vocab_size\":50264,\"hidden_size\":512,"
                + "\"intermediate_size\":2816,\"num_hidden_layers\":10,\"num_attention_heads\":8,"
                + "\"num_key_value_heads\":2,\"head_dim\":64,\"max_position_embeddings\":4096,"
                + "\"tie_word_embeddings\":false}"));
        long perLayer = 512L * 512 + 2L * 512 * 128 + 512L * 512 + 3L * 512 * 2816;
        assertThat(f.denseParams()).isEqualTo(10 * perLayer);
        assertThat(f.lmHeadParams()).isEqualTo(50264L * 512);
        assertThat(f.embeddingParams()).isEqualTo(2 * 50264L * 512);
        assertThat(f.attnWidth()).isEqualTo(8 * 64);
    }

    @Test
    void classificationCountsTheDecoderLayersButNoLmHead() throws Exception {
        ModelFlops f = ModelFlops.of(config("{\"model_type\":\"qwen2\",\"vocab_size\":100,\"hidden_size\":8,"
                + "\"intermediate_size\":16,\"num_hidden_layers\":2,\"num_attention_heads\":2,\"num_key_value_heads\":1,"
                + "\"max_position_embeddings\":64,\"tie_word_embeddings\":true}"));
        assertThat(f.classify(5)).isCloseTo(f.score(5) - 5 * 2.0 * f.lmHeadParams(), within(1e-6));
        Workload w = new Workload("c", Workload.Kind.CLASSIFY, List.of(new int[5], new int[3]), 1, List.of());
        assertThat(f.workload(w, 32)).isCloseTo(f.classify(5) + f.classify(3), within(1e-6));
    }

    @Test
    void generationCountsThePrefillAndOneStepPerFurtherToken() throws Exception {
        ModelFlops f = ModelFlops.of(config("{\"model_type\":\"gpt2\",\"vocab_size\":10,\"n_embd\":4,\"n_layer\":1,"
                + "\"n_head\":1,\"n_positions\":64}"));
        double oneNew = f.generate(3, 1);
        assertThat(oneNew).isCloseTo(3 * 2.0 * f.denseParams() + 4.0 * 4 * 3 * 4 / 2 + 2.0 * f.lmHeadParams(),
                within(1e-6));
        Workload w = new Workload("g", Workload.Kind.GENERATE, List.of(new int[3], new int[3]), 1, List.of());
        assertThat(f.workload(w, 2)).isCloseTo(2 * f.generate(3, 2), within(1e-6));
    }
}
