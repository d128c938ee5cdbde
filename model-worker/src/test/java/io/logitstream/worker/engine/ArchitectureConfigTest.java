package io.logitstream.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.logitstream.worker.engine.config.ConfigException;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.internlm2.InternLm2Config;
import io.logitstream.worker.engine.layers.RopeConfig;
import io.logitstream.worker.engine.llama.LlamaConfig;
import io.logitstream.worker.engine.llama.LlamaStyleConfig;
import io.logitstream.worker.engine.mistral.MistralConfig;
import io.logitstream.worker.engine.qwen2.Qwen2Config;
import io.logitstream.worker.engine.qwen2moe.Qwen2MoeConfig;
import org.junit.jupiter.api.Test;

/** config.json rules of each architecture, in both the Hub (pre-v5) and the transformers 5 layout. */
class ArchitectureConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode base(String type) {
        ObjectNode c = JSON.createObjectNode();
        c.put("model_type", type);
        c.put("vocab_size", 100);
        c.put("hidden_size", 16);
        c.put("intermediate_size", 32);
        c.put("num_hidden_layers", 4);
        c.put("num_attention_heads", 4);
        c.put("num_key_value_heads", 2);
        c.put("max_position_embeddings", 64);
        return c;
    }

    private static ModelConfig config(ObjectNode c) {
        return ModelConfig.parse(c, "config.json");
    }

    @Test
    void llamaDefaultsAndBiases() {
        ObjectNode c = base("llama");
        LlamaStyleConfig d = LlamaConfig.parse(config(c));
        assertThat(d.headDim()).isEqualTo(4);
        assertThat(d.qkvBias()).isFalse();
        assertThat(d.outputBias()).isFalse();
        assertThat(d.mlpBias()).isFalse();
        assertThat(d.tieWordEmbeddings()).as("LlamaConfig defaults to untied").isFalse();
        assertThat(d.rmsNormEps()).isEqualTo(1e-6);
        assertThat(d.rope()).isEqualTo(new RopeConfig("default", 10000, 1, 0, 0, 64, 64, 4));
        assertThat(d.slidingWindow()).isNull();
        c.put("attention_bias", true).put("mlp_bias", true).put("head_dim", 8).put("tie_word_embeddings", true);
        d = LlamaConfig.parse(config(c));
        assertThat(d.qkvBias()).isTrue();
        assertThat(d.outputBias()).isTrue();
        assertThat(d.mlpBias()).isTrue();
        assertThat(d.headDim()).isEqualTo(8);
        assertThat(d.tieWordEmbeddings()).isTrue();
    }

    @Test
    void ropeParametersInBothLayouts() {
        ObjectNode hub = base("llama");
        hub.put("rope_theta", 500000.0);
        hub.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0).put("low_freq_factor", 1.0)
                .put("high_freq_factor", 4.0).put("original_max_position_embeddings", 16);
        ObjectNode v5 = base("llama");
        v5.putObject("rope_parameters").put("rope_type", "llama3").put("rope_theta", 500000.0).put("factor", 8.0)
                .put("low_freq_factor", 1.0).put("high_freq_factor", 4.0).put("original_max_position_embeddings", 16);
        RopeConfig expected = new RopeConfig("llama3", 500000, 8, 1, 4, 16, 64, 4);
        assertThat(LlamaConfig.parse(config(hub)).rope()).isEqualTo(expected);
        assertThat(LlamaConfig.parse(config(v5)).rope()).isEqualTo(expected);

        ObjectNode legacy = base("llama");
        legacy.putObject("rope_scaling").put("type", "dynamic").put("factor", 2.0);
        assertThat(LlamaConfig.parse(config(legacy)).rope())
                .isEqualTo(new RopeConfig("dynamic", 10000, 2, 0, 0, 64, 64, 4));

        ObjectNode yarn = base("llama");
        yarn.putObject("rope_parameters").put("rope_type", "yarn").put("factor", 4.0);
        assertThatThrownBy(() -> LlamaConfig.parse(config(yarn))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("rope type 'yarn' is not supported (supported: default, linear, dynamic, llama3)");
        ObjectNode noFactor = base("llama");
        noFactor.putObject("rope_scaling").put("rope_type", "linear");
        assertThatThrownBy(() -> LlamaConfig.parse(config(noFactor))).hasMessageContaining("needs 'factor'");
    }

    @Test
    void mistralSlidesOnEveryLayer() {
        ObjectNode c = base("mistral");
        assertThat(MistralConfig.parse(config(c)).slidingWindow()).as("transformers' default")
                .isEqualTo(MistralConfig.DEFAULT_SLIDING_WINDOW);
        c.put("sliding_window", 8);
        LlamaStyleConfig d = MistralConfig.parse(config(c));
        assertThat(d.slidingWindow()).isEqualTo(8);
        assertThat(d.slidingLayers()).containsExactlyInAnyOrder(0, 1, 2, 3);
        c.putNull("sliding_window");
        assertThat(MistralConfig.parse(config(c)).isSliding(0)).isFalse();
    }

    @Test
    void qwen2WindowOnlyWithUseSlidingWindowAndFromMaxWindowLayers() {
        ObjectNode c = base("qwen2");
        c.put("sliding_window", 6).put("max_window_layers", 2);
        LlamaStyleConfig off = Qwen2Config.parse(config(c));
        assertThat(off.slidingWindow()).isNull();
        assertThat(off.qkvBias()).isTrue();
        assertThat(off.outputBias()).isFalse();
        c.put("use_sliding_window", true);
        LlamaStyleConfig on = Qwen2Config.parse(config(c));
        assertThat(on.slidingWindow()).isEqualTo(6);
        assertThat(on.slidingLayers()).containsExactlyInAnyOrder(2, 3);
        // transformers 5 writes the result as layer_types, which then wins
        c.putArray("layer_types").add("sliding_attention").add("full_attention").add("full_attention")
                .add("sliding_attention");
        assertThat(Qwen2Config.parse(config(c)).slidingLayers()).containsExactlyInAnyOrder(0, 3);
        c.putArray("layer_types").add("chunked_attention");
        assertThatThrownBy(() -> Qwen2Config.parse(config(c))).hasMessageContaining("layer_types has 1 entries");
    }

    @Test
    void qwen2MoeSparseLayersAndItsOwnWindowRule() {
        ObjectNode c = base("qwen2_moe");
        c.put("num_experts", 6).put("num_experts_per_tok", 3).put("moe_intermediate_size", 8)
                .put("shared_expert_intermediate_size", 16).put("decoder_sparse_step", 2).put("norm_topk_prob", true);
        Qwen2MoeConfig m = Qwen2MoeConfig.parse(config(c));
        assertThat(m.sparseLayers()).containsExactlyInAnyOrder(1, 3);
        assertThat(m.normTopKProb()).isTrue();
        assertThat(m.outputRouterLogits()).isFalse();
        assertThat(m.routerAuxLossCoef()).isEqualTo(0.001);
        assertThat(m.decoder().qkvBias()).isTrue();
        c.put("decoder_sparse_step", 1).putArray("mlp_only_layers").add(1);
        assertThat(Qwen2MoeConfig.parse(config(c)).sparseLayers()).containsExactlyInAnyOrder(0, 2, 3);
        c.put("use_sliding_window", true).put("sliding_window", 4).put("max_window_layers", 3).put("qkv_bias", false);
        Qwen2MoeConfig w = Qwen2MoeConfig.parse(config(c));
        assertThat(w.decoder().slidingLayers()).as("(i + 1) % 2 == 1 and i < max_window_layers")
                .containsExactlyInAnyOrder(0, 2);
        assertThat(w.decoder().qkvBias()).isFalse();
    }

    @Test
    void headsMustDivideIntoKeyValueGroups() {
        ObjectNode c = base("llama");
        c.put("num_key_value_heads", 3);
        assertThatThrownBy(() -> LlamaConfig.parse(config(c))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("not a multiple of num_key_value_heads 3");
        ObjectNode n = base("llama");
        n.remove("intermediate_size");
        assertThatThrownBy(() -> LlamaConfig.parse(config(n))).hasMessageContaining("no intermediate_size");
    }

    /** InternLM2.5-7B-chat's config.json (its remote code's names), shrunk: the fields that matter. */
    @Test
    void internLm2ReadsItsRemoteCodeConfig() {
        ObjectNode c = base("internlm2");
        c.put("bias", false).put("rope_theta", 1000000).put("rms_norm_eps", 1e-5);
        c.putObject("rope_scaling").put("type", "dynamic").put("factor", 2.0);
        LlamaStyleConfig d = InternLm2Config.parse(config(c));
        assertThat(d.heads()).isEqualTo(4);
        assertThat(d.kvHeads()).isEqualTo(2);
        assertThat(d.headDim()).as("hidden_size / num_attention_heads").isEqualTo(4);
        assertThat(d.intermediate()).isEqualTo(32);
        assertThat(d.qkvBias()).isFalse();
        assertThat(d.outputBias()).isFalse();
        assertThat(d.mlpBias()).isFalse();
        assertThat(d.tieWordEmbeddings()).isFalse();
        assertThat(d.rmsNormEps()).isEqualTo(1e-5);
        assertThat(d.slidingWindow()).isNull();
        assertThat(d.rope()).isEqualTo(new RopeConfig("dynamic", 1000000, 2, 0, 0, 64, 64, 4));

        // InternLM2Config's own defaults: bias true (wqkv and wo, never the MLP), no rope scaling, eps 1e-6
        ObjectNode defaults = base("internlm2");
        defaults.remove("num_key_value_heads");
        LlamaStyleConfig e = InternLm2Config.parse(config(defaults));
        assertThat(e.qkvBias()).isTrue();
        assertThat(e.outputBias()).isTrue();
        assertThat(e.mlpBias()).isFalse();
        assertThat(e.kvHeads()).isEqualTo(4);
        assertThat(e.rmsNormEps()).isEqualTo(1e-6);
        assertThat(e.rope()).isEqualTo(new RopeConfig("default", 10000, 1, 0, 0, 64, 64, 4));
        c.putObject("rope_scaling").put("type", "linear").put("factor", 4.0);
        assertThat(InternLm2Config.parse(config(c)).rope().type()).isEqualTo("linear");
    }

    @Test
    void internLm2RejectsWhatItsRemoteCodeCannotRun() {
        ObjectNode llama3 = base("internlm2");
        llama3.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0).put("low_freq_factor", 1.0)
                .put("high_freq_factor", 4.0);
        assertThatThrownBy(() -> InternLm2Config.parse(config(llama3))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("rope_scaling type 'llama3' is not one InternLM2 implements (linear, dynamic)");
        ObjectNode headDim = base("internlm2").put("head_dim", 8);
        assertThatThrownBy(() -> InternLm2Config.parse(config(headDim))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("head_dim 8 differs from hidden_size / num_attention_heads = 4");
        assertThat(InternLm2Config.parse(config(base("internlm2").put("head_dim", 4))).headDim()).isEqualTo(4);
        ObjectNode uneven = base("internlm2").put("num_attention_heads", 6).put("num_key_value_heads", 3);
        assertThatThrownBy(() -> InternLm2Config.parse(config(uneven))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("hidden_size 16 is not a multiple of num_attention_heads 6");
    }

    @Test
    void everyArchitectureIsRegistered() {
        assertThat(ModelArchitectures.supported()).containsExactly("gpt2", "llama", "mistral", "qwen2", "qwen2_moe",
                "internlm2", "glm", "glm4", "chatglm", "internvl", "internvl_chat", "internlmxcomposer2");
    }
}
