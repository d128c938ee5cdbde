package io.logitstream.worker.engine.llama;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.config.ConfigException;
import io.logitstream.worker.engine.config.JsonFields;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.layers.Activation;
import io.logitstream.worker.engine.layers.RopeConfig;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntPredicate;

/**
 * The hyper-parameters of a Llama-style decoder, which Llama, Mistral, Qwen2 and Qwen2-MoE share:
 * RMSNorm pre-norm blocks, rotary attention with grouped key/value heads, a gated SiLU MLP (or
 * experts). The architectures differ only in which projections have biases and which layers use
 * a sliding window; each architecture's Config reads its own config.json rules into this record.
 *
 * @param headDim width of one attention head ({@code head_dim}, default hidden / heads)
 * @param intermediate the dense MLP width ({@code intermediate_size})
 * @param qkvBias q/k/v projections have biases
 * @param outputBias the attention output projection has a bias
 * @param mlpBias gate/up/down projections have biases
 * @param slidingWindow keys a sliding-window query sees (itself included), or null for none
 * @param slidingLayers the layers that use the window (empty without a window)
 */
public record LlamaStyleConfig(
        int hidden,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int intermediate,
        int vocab,
        int maxPositions,
        double rmsNormEps,
        Activation activation,
        boolean qkvBias,
        boolean outputBias,
        boolean mlpBias,
        boolean tieWordEmbeddings,
        RopeConfig rope,
        Integer slidingWindow,
        Set<Integer> slidingLayers) {

    public static final String SLIDING = "sliding_attention";
    public static final String FULL = "full_attention";

    public LlamaStyleConfig {
        slidingLayers = Set.copyOf(slidingLayers);
        if (slidingWindow != null && slidingWindow <= 0) {
            slidingWindow = null;
        }
        if (slidingWindow == null) {
            slidingLayers = Set.of();
        }
    }

    /** Whether layer {@code i} attends through the sliding window. */
    public boolean isSliding(int i) {
        return slidingWindow != null && slidingLayers.contains(i);
    }

    /**
     * The fields every Llama-style config.json has, with transformers' defaults (tied embeddings
     * default to false in all four architectures, unlike GPT-2).
     */
    public static LlamaStyleConfig of(ModelConfig c, boolean qkvBias, boolean outputBias, boolean mlpBias,
            Integer slidingWindow, Set<Integer> slidingLayers) {
        return of(c, c.headDim(), RopeConfig.parse(c.raw(), c.headDim(), c.maxPositions()), qkvBias, outputBias,
                mlpBias, slidingWindow, slidingLayers);
    }

    /** As above, for an architecture that reads its head width and rope its own way (GLM's partial rotary). */
    public static LlamaStyleConfig of(ModelConfig c, int headDim, RopeConfig rope, boolean qkvBias,
            boolean outputBias, boolean mlpBias, Integer slidingWindow, Set<Integer> slidingLayers) {
        JsonNode raw = c.raw();
        String file = c.modelType() + " " + ModelConfig.FILE;
        if (c.numKvHeads() <= 0 || c.numHeads() % c.numKvHeads() != 0) {
            throw new ConfigException(file + ": num_attention_heads " + c.numHeads()
                    + " is not a multiple of num_key_value_heads " + c.numKvHeads());
        }
        Integer intermediate = JsonFields.optInt(raw, "intermediate_size");
        if (intermediate == null) {
            throw new ConfigException(file + " has no intermediate_size");
        }
        Double eps = JsonFields.optDouble(raw, "rms_norm_eps");
        Boolean tie = JsonFields.optBool(raw, "tie_word_embeddings");
        String act = JsonFields.optText(raw, "hidden_act");
        return new LlamaStyleConfig(
                c.hiddenSize(),
                c.numLayers(),
                c.numHeads(),
                c.numKvHeads(),
                headDim,
                intermediate,
                c.vocabSize(),
                c.maxPositions(),
                eps != null ? eps : 1e-6,
                Activation.fromConfig(act != null ? act : "silu"),
                qkvBias,
                outputBias,
                mlpBias,
                tie != null && tie,
                rope,
                slidingWindow,
                slidingLayers);
    }

    /**
     * The sliding layers: from {@code layer_types} when config.json has it (transformers 5 writes
     * it), else from the architecture's rule for older configs.
     */
    public static Set<Integer> slidingLayers(JsonNode raw, int layers, IntPredicate rule) {
        Set<Integer> sliding = new TreeSet<>();
        JsonNode types = raw.get("layer_types");
        if (types != null && types.isArray()) {
            if (types.size() != layers) {
                throw new ConfigException("layer_types has " + types.size() + " entries for " + layers + " layers");
            }
            for (int i = 0; i < layers; i++) {
                String t = types.get(i).asText();
                if (SLIDING.equals(t)) {
                    sliding.add(i);
                } else if (!FULL.equals(t)) {
                    throw new ConfigException("layer_types[" + i + "] is '" + t + "'; supported: " + FULL + ", " + SLIDING);
                }
            }
            return sliding;
        }
        for (int i = 0; i < layers; i++) {
            if (rule.test(i)) {
                sliding.add(i);
            }
        }
        return sliding;
    }

    /** {@code sliding_window} when present (null stays null), {@code absentDefault} when the key is missing. */
    public static Integer slidingWindowField(JsonNode raw, Integer absentDefault) {
        JsonNode w = raw.get("sliding_window");
        if (w == null) {
            return absentDefault;
        }
        return w.isNull() ? null : w.asInt();
    }
}
