package io.logitstream.worker.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The fields of {@code config.json} that every causal LM has, under either naming scheme
 * (GPT-2's {@code n_*} or the newer {@code hidden_size}-style names), plus the raw JSON so that
 * each architecture can read its own extra fields.
 *
 * @param modelType {@code model_type}, which selects the architecture
 * @param vocabSize rows of the embedding and of the LM head
 * @param hiddenSize model width
 * @param numLayers transformer blocks
 * @param numHeads attention (query) heads
 * @param numKvHeads key/value heads (equal to numHeads without grouped-query attention)
 * @param intermediateSize MLP width, or null when the architecture derives it
 * @param maxPositions the context length: {@code n_positions} / {@code max_position_embeddings}
 * @param tieWordEmbeddings whether the LM head reuses the token embedding
 * @param bosTokenId {@code bos_token_id} or null
 * @param eosTokenIds {@code eos_token_id} (one id or a list), possibly empty
 * @param padTokenId {@code pad_token_id} or null
 * @param raw the whole config.json
 */
public record ModelConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        Integer intermediateSize,
        int maxPositions,
        boolean tieWordEmbeddings,
        Integer bosTokenId,
        Set<Integer> eosTokenIds,
        Integer padTokenId,
        JsonNode raw) {

    public static final String FILE = "config.json";

    public static ModelConfig load(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("no " + FILE + " in " + dir);
        }
        try {
            return parse(new ObjectMapper().readTree(file.toFile()), file.toString());
        } catch (IOException e) {
            throw new ConfigException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    public static ModelConfig parse(JsonNode root, String source) {
        if (root == null || !root.isObject()) {
            throw new ConfigException(source + " is not a JSON object");
        }
        String type = JsonFields.optText(root, "model_type");
        if (type == null) {
            throw new ConfigException(source + " has no model_type");
        }
        JsonNode nested = nestedLanguageModel(root);
        if (nested != null) {
            // a vision-language model: its sizes are its language model's; model_type picks the wrapper
            ModelConfig lm = parse(nested, source + " (language model)");
            return new ModelConfig(type, lm.vocabSize, lm.hiddenSize, lm.numLayers, lm.numHeads, lm.numKvHeads,
                    lm.intermediateSize, lm.maxPositions, lm.tieWordEmbeddings, lm.bosTokenId, lm.eosTokenIds,
                    lm.padTokenId, root);
        }
        int heads = JsonFields.reqInt(root, source, "num_attention_heads", "n_head");
        // ChatGLM (model_type chatglm) names: seq_length, padded_vocab_size, num_layers, ffn_hidden_size,
        // kv_channels (head_dim), multi_query_group_num (key/value heads, when multi_query_attention)
        Integer maxPos = JsonFields.optInt(root, "max_position_embeddings", "n_positions", "n_ctx", "seq_length");
        if (maxPos == null) {
            throw new ConfigException(source + " has none of max_position_embeddings, n_positions, n_ctx, seq_length");
        }
        Integer kvHeads = JsonFields.optInt(root, "num_key_value_heads");
        if (kvHeads == null && Boolean.TRUE.equals(JsonFields.optBool(root, "multi_query_attention"))) {
            kvHeads = JsonFields.optInt(root, "multi_query_group_num");
        }
        Boolean tie = JsonFields.optBool(root, "tie_word_embeddings");
        return new ModelConfig(
                type,
                JsonFields.reqInt(root, source, "vocab_size", "padded_vocab_size"),
                JsonFields.reqInt(root, source, "hidden_size", "n_embd"),
                JsonFields.reqInt(root, source, "num_hidden_layers", "n_layer", "num_layers"),
                heads,
                kvHeads == null ? heads : kvHeads,
                JsonFields.optInt(root, "intermediate_size", "n_inner", "ffn_hidden_size"),
                maxPos,
                // transformers' PretrainedConfig defaults tie_word_embeddings to true
                tie == null || tie,
                JsonFields.optInt(root, "bos_token_id"),
                Set.copyOf(JsonFields.idSet(root, "eos_token_id")),
                JsonFields.optInt(root, "pad_token_id"),
                root);
    }

    /**
     * The language model's config of a vision-language config.json ({@code text_config} in
     * transformers' layout, {@code llm_config} in InternVL's original one), or null for a plain LM.
     */
    static JsonNode nestedLanguageModel(JsonNode root) {
        if (root.has("num_attention_heads") || root.has("n_head")) {
            return null;
        }
        for (String key : new String[] {"text_config", "llm_config"}) {
            JsonNode n = root.get(key);
            if (n != null && n.isObject()) {
                return n;
            }
        }
        return null;
    }

    /** The nested language model's own config (see {@link #nestedLanguageModel}), or null for a plain LM. */
    public ModelConfig languageModel() {
        JsonNode nested = nestedLanguageModel(raw);
        return nested == null ? null : parse(nested, modelType + " " + FILE + " (language model)");
    }

    /** Width of one attention head: {@code head_dim} (ChatGLM: {@code kv_channels}) when given, else hidden / heads. */

    public int headDim() {
        Integer hd = JsonFields.optInt(raw, "head_dim", "kv_channels");
        return hd != null ? hd : hiddenSize / numHeads;
    }
}
