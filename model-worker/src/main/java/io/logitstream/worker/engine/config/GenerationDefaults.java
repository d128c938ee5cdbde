package io.logitstream.worker.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The checkpoint's {@code generation_config.json}: the defaults a request falls back to. Absent
 * fields are null (transformers' own defaults apply); the stop ids fall back to config.json's
 * {@code eos_token_id} like transformers does when the file is missing.
 */
public record GenerationDefaults(
        Set<Integer> eosTokenIds,
        Integer bosTokenId,
        Integer padTokenId,
        Integer maxNewTokens,
        Integer maxLength,
        Boolean doSample,
        Double temperature,
        Integer topK,
        Double topP,
        Double repetitionPenalty) {

    public static final String FILE = "generation_config.json";

    public static GenerationDefaults load(Path dir, ModelConfig config) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return new GenerationDefaults(config.eosTokenIds(), config.bosTokenId(), config.padTokenId(),
                    null, null, null, null, null, null, null);
        }
        try {
            return parse(new ObjectMapper().readTree(file.toFile()), config);
        } catch (IOException e) {
            throw new ConfigException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    public static GenerationDefaults parse(JsonNode root, ModelConfig config) {
        Set<Integer> eos = JsonFields.idSet(root, "eos_token_id");
        Integer bos = JsonFields.optInt(root, "bos_token_id");
        Integer pad = JsonFields.optInt(root, "pad_token_id");
        return new GenerationDefaults(
                Set.copyOf(eos.isEmpty() && config != null ? config.eosTokenIds() : eos),
                bos != null || config == null ? bos : config.bosTokenId(),
                pad != null || config == null ? pad : config.padTokenId(),
                JsonFields.optInt(root, "max_new_tokens"),
                JsonFields.optInt(root, "max_length"),
                JsonFields.optBool(root, "do_sample"),
                JsonFields.optDouble(root, "temperature"),
                JsonFields.optInt(root, "top_k"),
                JsonFields.optDouble(root, "top_p"),
                JsonFields.optDouble(root, "repetition_penalty"));
    }
}
