package io.logitstream.gateway.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.schema.GenerationParams;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sampling fields completions and chat completions share, mapped to transformers' names.
 * {@code temperature} 0 means greedy (do_sample false); a positive one samples at that
 * temperature; absent, the model's generation_config decides (as vLLM does). vLLM's extra fields
 * {@code top_k}, {@code min_p}, {@code repetition_penalty} and {@code ignore_eos} are taken too.
 * Ranges are left to the topology, whose validation message comes back as the 400.
 */
record SamplingOptions(Float temperature, Float topP, Integer topK, Float minP, Float repetitionPenalty, Long seed,
        List<String> stop, Map<String, Float> logitBias, Boolean ignoreEos) {

    /** Fields OpenAI defines that change the output and that the workers do not implement. */
    private static final List<String> UNSUPPORTED_NON_ZERO = List.of("presence_penalty", "frequency_penalty");

    static SamplingOptions parse(JsonNode body) {
        for (String field : UNSUPPORTED_NON_ZERO) {
            Float value = Json.optionalFloat(body, field);
            if (value != null && value != 0f) {
                throw ApiError.invalid("'" + field + "' is not supported (use repetition_penalty)");
            }
        }
        return new SamplingOptions(Json.optionalFloat(body, "temperature"), Json.optionalFloat(body, "top_p"),
                Json.optionalInt(body, "top_k", Integer.MIN_VALUE), Json.optionalFloat(body, "min_p"),
                Json.optionalFloat(body, "repetition_penalty"), Json.optionalLong(body, "seed"),
                Json.stringOrList(body, "stop"), logitBias(body),
                Json.present(body, "ignore_eos") ? Json.optionalBoolean(body, "ignore_eos", false) : null);
    }

    /**
     * The generation parameters of choice {@code choice}: with a seed and n > 1, choice i samples
     * with seed + i, so the choices differ and choice 0 equals a request with n = 1.
     */
    GenerationParams toParams(Integer maxNewTokens, boolean stream, int choice) {
        GenerationParams.Builder p = GenerationParams.newBuilder()
                .setMaxNewTokens(maxNewTokens)
                .setTopP(topP)
                .setTopK(topK)
                .setMinP(minP)
                .setRepetitionPenalty(repetitionPenalty)
                .setSeed(seed == null ? null : seed + choice)
                .setStop(stop)
                .setLogitBias(logitBias)
                .setIgnoreEos(ignoreEos)
                .setStream(stream);
        if (temperature != null) {
            boolean sample = temperature > 0f;
            p.setDoSample(sample);
            p.setTemperature(sample ? temperature : null);
        }
        return p.build();
    }

    /** OpenAI's logit_bias: token ids (as strings) to a bias, which the contract takes as it is. */
    private static Map<String, Float> logitBias(JsonNode body) {
        JsonNode v = body.get("logit_bias");
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            throw ApiError.invalid("'logit_bias' must be an object of token id to bias");
        }
        Map<String, Float> bias = new LinkedHashMap<>();
        v.fields().forEachRemaining(e -> {
            if (!e.getValue().isNumber()) {
                throw ApiError.invalid("'logit_bias' values must be numbers");
            }
            bias.put(e.getKey(), e.getValue().floatValue());
        });
        return bias.isEmpty() ? null : bias;
    }
}
