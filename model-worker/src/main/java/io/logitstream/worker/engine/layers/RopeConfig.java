package io.logitstream.worker.engine.layers;

import io.logitstream.worker.engine.tensor.Torch;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.config.ConfigException;
import io.logitstream.worker.engine.config.JsonFields;
import java.util.List;
import java.util.Locale;

/**
 * The rotary embedding parameters of a config.json, in either layout transformers reads:
 *
 * <ul>
 *   <li>the Hub layout before transformers 5: top-level {@code rope_theta} and an optional
 *       {@code rope_scaling: {rope_type (or type), factor, ...}};
 *   <li>transformers 5: {@code rope_parameters: {rope_type, rope_theta, factor, ...}}.
 * </ul>
 *
 * Like transformers' {@code convert_rope_params_to_dict}, a non-empty {@code rope_scaling} wins
 * over {@code rope_parameters}, and a {@code rope_theta} inside the dict wins over the top-level
 * one (default 10000). Supported types: default, linear, dynamic (NTK), llama3.
 *
 * @param type rope_type
 * @param theta base
 * @param factor scaling factor (linear, dynamic, llama3), 1 otherwise
 * @param lowFreqFactor llama3 {@code low_freq_factor}
 * @param highFreqFactor llama3 {@code high_freq_factor}
 * @param originalMaxPositions llama3 {@code original_max_position_embeddings}
 * @param maxPositions the model's {@code max_position_embeddings} (where dynamic scaling starts)
 * @param dim the rotated width: head_dim, or its first {@code head_dim * partial_rotary_factor} channels (GLM)
 * @param interleaved rotate channel pairs (2i, 2i+1) (GLM, ChatGLM) instead of (i, i + dim/2) (Llama's
 *     {@code rotate_half})
 */
public record RopeConfig(String type, double theta, double factor, double lowFreqFactor, double highFreqFactor,
        int originalMaxPositions, int maxPositions, int dim, boolean interleaved) {

    public static final String DEFAULT = "default";
    public static final String LINEAR = "linear";
    public static final String DYNAMIC = "dynamic";
    public static final String LLAMA3 = "llama3";
    public static final List<String> SUPPORTED = List.of(DEFAULT, LINEAR, DYNAMIC, LLAMA3);
    private static final double DEFAULT_THETA = 10000.0;

    /** Llama's layout: whole heads rotated, channel i paired with i + dim/2. */
    public RopeConfig(String type, double theta, double factor, double lowFreqFactor, double highFreqFactor,
            int originalMaxPositions, int maxPositions, int dim) {
        this(type, theta, factor, lowFreqFactor, highFreqFactor, originalMaxPositions, maxPositions, dim, false);
    }

    /**
     * Reads the rope parameters of {@code raw} (a whole config.json) for Llama's layout: whole heads
     * rotated, so a {@code partial_rotary_factor} other than 1 is rejected.
     */
    public static RopeConfig parse(JsonNode raw, int headDim, int maxPositions) {
        Double partial = partialRotaryFactor(raw);
        if (partial != null && partial != 1.0) {
            throw new ConfigException("partial_rotary_factor " + partial + " is not supported (only 1.0)");
        }
        return parseDict(raw, headDim, maxPositions);
    }

    /**
     * GLM's layout (transformers' {@code GlmForCausalLM}, {@code Glm4ForCausalLM}): the first
     * {@code head_dim * partial_rotary_factor} channels of each head rotate in interleaved pairs,
     * the rest pass through. {@code defaultPartial} applies when config.json has no factor
     * (transformers' GlmConfig defaults it to 0.5).
     */
    public static RopeConfig parseInterleaved(JsonNode raw, int headDim, int maxPositions, double defaultPartial) {
        Double partial = partialRotaryFactor(raw);
        RopeConfig r = parseDict(raw, headDim, maxPositions);
        int dim = rotaryDim(headDim, partial != null ? partial : defaultPartial);
        return new RopeConfig(r.type, r.theta, r.factor, r.lowFreqFactor, r.highFreqFactor, r.originalMaxPositions,
                maxPositions, dim, true);
    }

    /**
     * Default-type rope over the first {@code dim} channels in interleaved pairs, for configs that
     * state the base directly (ChatGLM: 10000 x {@code rope_ratio}, {@code kv_channels / 2} channels).
     */
    public static RopeConfig interleaved(double theta, int dim, int maxPositions) {
        if (dim <= 0 || dim % 2 != 0) {
            throw new ConfigException("rotary width " + dim + " must be a positive even number");
        }
        return new RopeConfig(DEFAULT, theta, 1.0, 0, 0, maxPositions, maxPositions, dim, true);
    }

    private static int rotaryDim(int headDim, double partial) {
        // transformers: dim = int(head_dim * partial_rotary_factor)
        int dim = (int) (headDim * partial);
        if (partial <= 0 || partial > 1 || dim % 2 != 0 || dim == 0) {
            throw new ConfigException("partial_rotary_factor " + partial + " of head_dim " + headDim
                    + " gives a rotary width of " + dim + "; it must be a positive even number of channels");
        }
        return dim;
    }

    /** {@code partial_rotary_factor} from the rope dict or the top level, or null. */
    private static Double partialRotaryFactor(JsonNode raw) {
        Double partial = JsonFields.optDouble(ropeDict(raw), "partial_rotary_factor");
        return partial != null ? partial : JsonFields.optDouble(raw, "partial_rotary_factor");
    }

    private static JsonNode ropeDict(JsonNode raw) {
        JsonNode scaling = raw.get("rope_scaling");
        JsonNode params = raw.get("rope_parameters");
        JsonNode dict = isNonEmptyObject(scaling) ? scaling : isNonEmptyObject(params) ? params : null;
        return dict != null ? dict : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    }

    private static RopeConfig parseDict(JsonNode raw, int headDim, int maxPositions) {
        JsonNode d = ropeDict(raw);
        if (d.has("full_attention") || d.has("sliding_attention")) {
            throw new ConfigException("per-layer-type rope_parameters are not supported for this architecture");
        }
        String type = JsonFields.optText(d, "rope_type", "type");
        type = type == null ? DEFAULT : type.toLowerCase(Locale.ROOT);
        Double theta = JsonFields.optDouble(d, "rope_theta");
        if (theta == null) {
            theta = JsonFields.optDouble(raw, "rope_theta");
        }
        double factor = 1.0;
        double low = 0;
        double high = 0;
        int original = maxPositions;
        switch (type) {
            case DEFAULT:
                break;
            case LINEAR:
            case DYNAMIC:
                factor = requireDouble(d, "factor", type);
                break;
            case LLAMA3:
                factor = requireDouble(d, "factor", type);
                low = requireDouble(d, "low_freq_factor", type);
                high = requireDouble(d, "high_freq_factor", type);
                Integer o = JsonFields.optInt(d, "original_max_position_embeddings");
                if (o == null) {
                    o = JsonFields.optInt(raw, "original_max_position_embeddings");
                }
                original = o != null ? o : maxPositions;
                break;
            default:
                throw new ConfigException("rope type '" + type + "' is not supported (supported: "
                        + String.join(", ", SUPPORTED) + ")");
        }
        return new RopeConfig(type, theta != null ? theta : DEFAULT_THETA, factor, low, high, original,
                maxPositions, headDim);
    }

    private static boolean isNonEmptyObject(JsonNode n) {
        return n != null && n.isObject() && n.size() > 0;
    }

    private static double requireDouble(JsonNode d, String field, String type) {
        Double v = JsonFields.optDouble(d, field);
        if (v == null) {
            throw new ConfigException("rope type '" + type + "' needs '" + field + "' in rope_scaling/rope_parameters");
        }
        return v;
    }

    /** The rotary embedding these parameters describe; its buffers live in {@code manager}. */
    public RotaryEmbedding create(NDManager manager) {
        RotaryEmbedding rope = createHalves(manager);
        return interleaved ? rope.withInterleavedPairs() : rope;
    }

    private RotaryEmbedding createHalves(NDManager manager) {
        switch (type) {
            case DYNAMIC:
                return RotaryEmbedding.dynamicNtk(manager, dim, theta, factor, maxPositions);
            case LINEAR: {
                NDArray inv = RotaryEmbedding.defaultInvFreq(manager, dim, theta);
                // transformers: inv_freq /= factor (fp32)
                try (NDArray f = manager.create((float) factor)) {
                    inv = Torch.divInPlace(inv, f);
                }
                return new RotaryEmbedding(inv, dim, 1f);
            }
            case LLAMA3:
                return new RotaryEmbedding(llama3InvFreq(manager), dim, 1f);
            default:
                return new RotaryEmbedding(manager, dim, theta);
        }
    }

    /**
     * transformers' {@code _compute_llama3_parameters}, op for op in fp32 torch arithmetic (Python
     * scalars become fp32 operands; {@code c / tensor} is {@code tensor.reciprocal() * c}):
     * long wavelengths are divided by {@code factor}, short ones kept, the band in between
     * interpolated.
     */
    private NDArray llama3InvFreq(NDManager manager) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray inv = RotaryEmbedding.defaultInvFreq(tmp, dim, theta);
            double lowWavelen = originalMaxPositions / lowFreqFactor;
            double highWavelen = originalMaxPositions / highFreqFactor;
            NDArray wavelen = f(tmp, 1).div(inv).mul(f(tmp, 2 * Math.PI));
            NDArray isLow = wavelen.gt(f(tmp, lowWavelen));
            NDArray invLlama = Torch.where(isLow, inv.div(f(tmp, factor)), inv);
            NDArray smooth = f(tmp, 1).div(wavelen).mul(f(tmp, originalMaxPositions))
                    .sub(f(tmp, lowFreqFactor)).div(f(tmp, highFreqFactor - lowFreqFactor));
            NDArray smoothed = f(tmp, 1).sub(smooth).mul(invLlama).div(f(tmp, factor))
                    .add(smooth.mul(invLlama));
            NDArray isMedium = wavelen.lt(f(tmp, highWavelen)).logicalNot()
                    .logicalAnd(wavelen.gt(f(tmp, lowWavelen)).logicalNot());
            NDArray out = Torch.where(isMedium, smoothed, invLlama);
            out.attach(manager);
            return out;
        }
    }

    private static NDArray f(NDManager m, double v) {
        return m.create((float) v);
    }
}
