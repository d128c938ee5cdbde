package io.logitstream.worker.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.weights.WeightMode;
import java.util.ArrayList;
import java.util.List;

/**
 * config.json's {@code quantization_config}, as transformers writes it for bitsandbytes
 * ({@code BitsAndBytesConfig.to_dict()}: {@code quant_method: "bitsandbytes"}, {@code load_in_8bit},
 * {@code load_in_4bit}, {@code llm_int8_threshold}, {@code llm_int8_skip_modules},
 * {@code llm_int8_has_fp16_weight}, ...). Only 8-bit bitsandbytes is supported: 4-bit (NF4/FP4
 * blocks with nested quant states) and other methods (GPTQ, AWQ, ...) store weights this engine
 * cannot read, and fail at load with a message that says so.
 *
 * @param load8bit {@code load_in_8bit}: the decoder's linear layers are int8
 * @param skipModules {@code llm_int8_skip_modules}: names of modules bitsandbytes left in float
 */
public record QuantizationConfig(boolean load8bit, List<String> skipModules) {
    public static final QuantizationConfig NONE = new QuantizationConfig(false, List.of());

    /** The config's quantization settings ({@link #NONE} without a {@code quantization_config}). */
    public static QuantizationConfig of(ModelConfig config) {
        JsonNode q = config.raw() == null ? null : config.raw().get("quantization_config");
        if (q == null || q.isNull()) {
            return NONE;
        }
        String method = q.path("quant_method").asText("bitsandbytes");
        boolean bits8 = q.path("load_in_8bit").asBoolean(false);
        boolean bits4 = q.path("load_in_4bit").asBoolean(false);
        if (!method.startsWith("bitsandbytes")) {
            throw new ConfigException("quantization_config.quant_method '" + method + "' is not supported: only"
                    + " bitsandbytes 8-bit checkpoints (load_in_8bit) load; dequantize the checkpoint or use its"
                    + " float original");
        }
        if (bits4 || method.equals("bitsandbytes_4bit")) {
            throw new ConfigException("bitsandbytes 4-bit checkpoints (load_in_4bit) are not supported: their"
                    + " NF4/FP4 blocks are not int8 rows; only load_in_8bit loads");
        }
        List<String> skip = new ArrayList<>();
        q.path("llm_int8_skip_modules").forEach(n -> skip.add(n.asText()));
        return new QuantizationConfig(bits8 || method.equals("bitsandbytes_8bit"), List.copyOf(skip));
    }

    /**
     * The mode a load runs in: what was asked for, except that {@code auto} ({@link WeightMode#AS_STORED})
     * on a config that says {@code load_in_8bit} means int8 for every decoder linear, as transformers
     * does when it loads such a folder (already-int8 tensors are kept, float ones quantized).
     */
    public WeightMode resolve(WeightMode requested) {
        return requested == WeightMode.AS_STORED && load8bit ? WeightMode.INT8 : requested;
    }

    /** Whether bitsandbytes keeps the linear {@code name} in float ({@code llm_int8_skip_modules}, matched as in transformers: by substring). */
    public boolean skips(String name) {
        for (String s : skipModules) {
            if (name.contains(s)) {
                return true;
            }
        }
        return false;
    }
}
