package io.logitstream.worker.engine.gpt2;

import io.logitstream.worker.engine.config.JsonFields;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.layers.Activation;

/**
 * GPT-2's hyper-parameters, with transformers' defaults for the fields older configs omit.
 *
 * @param innerSize MLP width ({@code n_inner}, default 4 x n_embd)
 * @param scaleAttnWeights divide q.k by sqrt(head_dim) (default true)
 * @param scaleAttnByInverseLayerIdx also divide by layer index + 1 (default false)
 */
public record Gpt2Config(
        int hidden,
        int heads,
        int layers,
        int positions,
        int vocab,
        int innerSize,
        double layerNormEps,
        Activation activation,
        boolean scaleAttnWeights,
        boolean scaleAttnByInverseLayerIdx,
        boolean tieWordEmbeddings) {

    public static Gpt2Config from(ModelConfig c) {
        var raw = c.raw();
        Double eps = JsonFields.optDouble(raw, "layer_norm_epsilon");
        Boolean scale = JsonFields.optBool(raw, "scale_attn_weights");
        Boolean inverse = JsonFields.optBool(raw, "scale_attn_by_inverse_layer_idx");
        String act = JsonFields.optText(raw, "activation_function");
        if (c.hiddenSize() % c.numHeads() != 0) {
            throw new IllegalArgumentException("n_embd " + c.hiddenSize() + " is not divisible by n_head " + c.numHeads());
        }
        return new Gpt2Config(
                c.hiddenSize(),
                c.numHeads(),
                c.numLayers(),
                c.maxPositions(),
                c.vocabSize(),
                c.intermediateSize() != null ? c.intermediateSize() : 4 * c.hiddenSize(),
                eps != null ? eps : 1e-5,
                Activation.fromConfig(act != null ? act : "gelu_new"),
                scale == null || scale,
                inverse != null && inverse,
                c.tieWordEmbeddings());
    }

    public int headDim() {
        return hidden / heads;
    }

    /** The q.k multiplier of layer {@code i}. */
    public float attentionScale(int i) {
        double s = scaleAttnWeights ? 1.0 / Math.sqrt(headDim()) : 1.0;
        if (scaleAttnByInverseLayerIdx) {
            s /= (i + 1);
        }
        return (float) s;
    }
}
