package io.logitstream.worker.engine.internvl;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.config.ConfigException;
import io.logitstream.worker.engine.config.JsonFields;
import io.logitstream.worker.engine.layers.Activation;

/**
 * InternViT's hyper-parameters, from {@code vision_config} in either layout: transformers'
 * {@code InternVLVisionConfig} ({@code attention_bias}, {@code use_qk_norm}, {@code norm_type},
 * {@code image_size}/{@code patch_size} as a number or a pair, {@code use_mean_pooling}) or the
 * original {@code intern_vit_6b} config of {@code internvl_chat} folders ({@code qkv_bias},
 * {@code qk_normalization}, {@code norm_type}).
 *
 * @param qkNormEps eps of the q/k RMSNorms: transformers builds them with its default 1e-6, the
 *     original code with {@code layer_norm_eps}
 * @param finalNorm a LayerNorm after the last layer (transformers' {@code use_mean_pooling: false})
 */
public record InternVisionConfig(
        int hidden,
        int layers,
        int heads,
        int intermediate,
        int imageSize,
        int patchSize,
        int channels,
        boolean qkvBias,
        boolean qkNorm,
        boolean rmsNorm,
        double eps,
        double qkNormEps,
        Activation activation,
        boolean finalNorm) {

    public InternVisionConfig {
        if (hidden % heads != 0) {
            throw new ConfigException("vision_config: hidden_size " + hidden + " is not a multiple of "
                    + "num_attention_heads " + heads);
        }
        if (imageSize % patchSize != 0) {
            throw new ConfigException("vision_config: image_size " + imageSize + " is not a multiple of patch_size "
                    + patchSize);
        }
    }

    /** Patches along one side of a tile. */
    public int grid() {
        return imageSize / patchSize;
    }

    public int headDim() {
        return hidden / heads;
    }

    /** transformers' InternVLVisionConfig. */
    static InternVisionConfig parseHub(JsonNode v) {
        double eps = optDouble(v, "layer_norm_eps", 1e-6);
        return new InternVisionConfig(
                JsonFields.reqInt(v, "vision_config", "hidden_size"),
                JsonFields.reqInt(v, "vision_config", "num_hidden_layers"),
                JsonFields.reqInt(v, "vision_config", "num_attention_heads"),
                JsonFields.reqInt(v, "vision_config", "intermediate_size"),
                square(v, "image_size", 448),
                square(v, "patch_size", 14),
                intOr(v, "num_channels", 3),
                bool(v, "attention_bias", false),
                bool(v, "use_qk_norm", false),
                rms(v),
                eps,
                1e-6,
                Activation.fromConfig(textOr(v, "hidden_act", "gelu")),
                !bool(v, "use_mean_pooling", true));
    }

    /** The original InternViT config ({@code internvl_chat}'s {@code vision_config}). */
    static InternVisionConfig parseChat(JsonNode v, Integer forceImageSize) {
        double eps = optDouble(v, "layer_norm_eps", 1e-6);
        return new InternVisionConfig(
                JsonFields.reqInt(v, "vision_config", "hidden_size"),
                JsonFields.reqInt(v, "vision_config", "num_hidden_layers"),
                JsonFields.reqInt(v, "vision_config", "num_attention_heads"),
                JsonFields.reqInt(v, "vision_config", "intermediate_size"),
                forceImageSize != null ? forceImageSize : square(v, "image_size", 224),
                square(v, "patch_size", 14),
                intOr(v, "num_channels", 3),
                bool(v, "qkv_bias", false),
                bool(v, "qk_normalization", false),
                rms(v),
                eps,
                eps,
                Activation.fromConfig(textOr(v, "hidden_act", "gelu")),
                false);
    }

    private static boolean rms(JsonNode v) {
        String norm = textOr(v, "norm_type", "layer_norm");
        if (!norm.equals("layer_norm") && !norm.equals("rms_norm")) {
            throw new ConfigException("vision_config: norm_type '" + norm + "' (supported: layer_norm, rms_norm)");
        }
        return norm.equals("rms_norm");
    }

    /** A side length given as a number or a [height, width] pair (which must be square). */
    private static int square(JsonNode v, String key, int fallback) {
        JsonNode n = v.get(key);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (n.isArray()) {
            if (n.size() != 2 || n.get(0).asInt() != n.get(1).asInt()) {
                throw new ConfigException("vision_config: " + key + " " + n + " is not square, which InternVL's tiles are");
            }
            return n.get(0).asInt();
        }
        return n.asInt();
    }

    private static boolean bool(JsonNode v, String key, boolean fallback) {
        Boolean b = JsonFields.optBool(v, key);
        return b == null ? fallback : b;
    }

    private static int intOr(JsonNode v, String key, int fallback) {
        Integer i = JsonFields.optInt(v, key);
        return i == null ? fallback : i;
    }

    private static double optDouble(JsonNode v, String key, double fallback) {
        Double d = JsonFields.optDouble(v, key);
        return d == null ? fallback : d;
    }

    private static String textOr(JsonNode v, String key, String fallback) {
        String s = JsonFields.optText(v, key);
        return s == null ? fallback : s;
    }
}
