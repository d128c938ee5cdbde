package io.logitstream.worker.engine.internvl;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.config.ConfigException;
import io.logitstream.worker.engine.config.JsonFields;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.layers.Activation;

/**
 * An InternVL config.json, in transformers' layout ({@code model_type: internvl}: {@code vision_config},
 * {@code text_config}, {@code downsample_ratio}, {@code projector_hidden_act},
 * {@code vision_feature_layer}, {@code vision_feature_select_strategy}, {@code image_token_id}) or the
 * original one ({@code model_type: internvl_chat}: {@code vision_config}, {@code llm_config},
 * {@code downsample_ratio}, {@code select_layer}, {@code force_image_size}, {@code ps_version}).
 *
 * @param featureLayer which hidden state of the vision encoder feeds the projector (-1: the last)
 * @param imageTokenId {@code image_token_id} (transformers' layout), or null (the original layout
 *     names none; the tokenizer's {@code <IMG_CONTEXT>} is used)
 * @param layout where the weights are
 */
public record InternVlConfig(
        InternVisionConfig vision,
        ModelConfig languageModel,
        double downsampleRatio,
        Activation projectorActivation,
        int featureLayer,
        Integer imageTokenId,
        InternVlLayout layout) {

    public static final String HUB_TYPE = "internvl";
    public static final String CHAT_TYPE = "internvl_chat";

    public InternVlConfig {
        int grid = vision.grid();
        int factor = (int) Math.round(1 / downsampleRatio);
        if (Math.abs(factor * downsampleRatio - 1) > 1e-9 || grid % factor != 0) {
            throw new ConfigException("downsample_ratio " + downsampleRatio + " must be 1/n with n dividing the "
                    + grid + " patches per side");
        }
    }

    /** Image tokens per tile: (patches per side * downsample_ratio)^2 (256 for 448-pixel tiles of 14-pixel patches). */
    public int tokensPerTile() {
        int side = (int) Math.round(vision.grid() * downsampleRatio);
        return side * side;
    }

    /** The number of vision layers to run for {@link #featureLayer}. */
    public int layersToRun() {
        int n = featureLayer < 0 ? vision.layers() + 1 + featureLayer : featureLayer;
        if (n < 0 || n > vision.layers()) {
            throw new ConfigException("vision feature layer " + featureLayer + " is outside the " + vision.layers()
                    + " layers of the vision encoder");
        }
        return n;
    }

    public static InternVlConfig parse(ModelConfig c) {
        JsonNode raw = c.raw();
        ModelConfig lm = c.languageModel();
        if (lm == null) {
            throw new ConfigException(c.modelType() + " " + ModelConfig.FILE + " has no text_config / llm_config");
        }
        JsonNode v = raw.get("vision_config");
        if (v == null || !v.isObject()) {
            throw new ConfigException(c.modelType() + " " + ModelConfig.FILE + " has no vision_config");
        }
        Double ratio = JsonFields.optDouble(raw, "downsample_ratio");
        double r = ratio == null ? 0.5 : ratio;
        if (CHAT_TYPE.equals(c.modelType())) {
            String ps = JsonFields.optText(raw, "ps_version");
            if (ps != null && !ps.equals("v2")) {
                throw new ConfigException("internvl_chat ps_version '" + ps + "': only v2 (the pixel shuffle of "
                        + "every released InternVL2 checkpoint and of transformers) is implemented");
            }
            Integer select = JsonFields.optInt(raw, "select_layer");
            return new InternVlConfig(InternVisionConfig.parseChat(v, JsonFields.optInt(raw, "force_image_size")), lm,
                    r, Activation.GELU, select == null ? -1 : select, null, InternVlLayout.CHAT);
        }
        String strategy = JsonFields.optText(raw, "vision_feature_select_strategy");
        if (strategy != null && !strategy.equals("default")) {
            throw new ConfigException("vision_feature_select_strategy '" + strategy + "': only 'default' (drop the "
                    + "CLS token) is implemented");
        }
        JsonNode layer = raw.get("vision_feature_layer");
        if (layer != null && !layer.isInt()) {
            throw new ConfigException("vision_feature_layer " + layer + ": only a single layer is implemented");
        }
        String act = JsonFields.optText(raw, "projector_hidden_act");
        return new InternVlConfig(InternVisionConfig.parseHub(v), lm, r,
                Activation.fromConfig(act == null ? "gelu" : act), layer == null ? -1 : layer.asInt(),
                JsonFields.optInt(raw, "image_token_id"), InternVlLayout.HUB);
    }
}
