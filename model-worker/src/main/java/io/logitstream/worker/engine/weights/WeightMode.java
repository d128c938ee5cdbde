package io.logitstream.worker.engine.weights;

import java.util.Locale;

/**
 * How the decoder's linear layers (attention q/k/v/o, MLP, MoE router and experts) hold their
 * weights. Embeddings, norms and the LM head are always kept in the compute type, as bitsandbytes
 * does by default (transformers' {@code llm_int8_skip_modules} defaults to the output embedding).
 */
public enum WeightMode {
    /** Every linear in the compute type; int8 weights stored by bitsandbytes are dequantized at load. */
    FLOAT,
    /**
     * As the checkpoint stores them: int8 where it holds a bitsandbytes int8 {@code weight} with its
     * {@code SCB}, the compute type everywhere else (the default: plain checkpoints load as before).
     */
    AS_STORED,
    /**
     * Every decoder linear in int8 with per-output-channel absmax scales: float weights are
     * quantized at load (LLM.int8's vector-wise weight quantization, without the outlier split).
     */
    INT8;

    /** Parses a {@code --weights} value: {@code auto} (= {@link #AS_STORED}), {@code float} or {@code int8}. */
    public static WeightMode parse(String value) {
        String v = value == null ? "auto" : value.trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "":
            case "auto":
                return AS_STORED;
            case "float":
            case "fp32":
            case "fp16":
                return FLOAT;
            case "int8":
            case "8bit":
                return INT8;
            default:
                throw new IllegalArgumentException("unknown weights '" + value + "' (use auto, float or int8)");
        }
    }
}
