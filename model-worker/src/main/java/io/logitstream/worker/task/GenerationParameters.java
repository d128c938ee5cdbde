package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.GenerationParams;
import io.logitstream.worker.engine.config.GenerationDefaults;
import io.logitstream.worker.engine.generation.BeamSettings;
import io.logitstream.worker.engine.generation.EarlyStopping;
import io.logitstream.worker.engine.generation.SamplingSettings;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A GENERATE request's effective parameters: what the request says, else the model's
 * generation_config.json, else transformers' defaults. Records them in the provenance so the
 * result can be replayed.
 */
final class GenerationParameters {

    /** transformers' default when neither the request nor generation_config.json says. */
    static final int DEFAULT_MAX_NEW_TOKENS = 32;

    private final GenerationParams p;
    private final GenerationDefaults defaults;
    private final int maxNewTokens;
    private final List<String> stop;
    private final boolean stream;

    GenerationParameters(GenerationParams requested, GenerationDefaults defaults, int promptLength, int contextLength) {
        this.p = requested != null ? requested : new GenerationParams();
        this.defaults = defaults;
        this.maxNewTokens = maxNewTokens(promptLength, contextLength);
        this.stop = p.getStop() == null ? List.of() : List.copyOf(p.getStop());
        this.stream = p.getStream() == null || p.getStream();
    }

    int maxNewTokens() {
        return maxNewTokens;
    }

    List<String> stop() {
        return stop;
    }

    boolean stream() {
        return stream;
    }

    boolean ignoreEos() {
        return Boolean.TRUE.equals(p.getIgnoreEos());
    }

    /** The ids that end a generation: none with ignore_eos, else the model's. */
    Set<Integer> eos(Set<Integer> modelEos) {
        return ignoreEos() ? Set.of() : modelEos;
    }

    int numBeams() {
        return p.getNumBeams() == null ? 1 : p.getNumBeams();
    }

    /**
     * An explicit max_new_tokens that cannot fit the context is an error the requester should see;
     * a default one is capped to the room left.
     */
    private int maxNewTokens(int promptLength, int contextLength) {
        int room = contextLength - promptLength;
        if (room < 1) {
            throw new TaskException(ErrorCodes.CONTEXT_LENGTH_EXCEEDED, "The prompt has " + promptLength
                    + " tokens and leaves no room to generate in the model's context of " + contextLength);
        }
        if (p.getMaxNewTokens() != null) {
            if (p.getMaxNewTokens() > room) {
                throw new TaskException(ErrorCodes.CONTEXT_LENGTH_EXCEEDED, "prompt (" + promptLength
                        + " tokens) + max_new_tokens (" + p.getMaxNewTokens() + ") exceeds the model's context of "
                        + contextLength + " tokens; ask for at most " + room + " new tokens");
            }
            return p.getMaxNewTokens();
        }
        int fallback = defaults.maxNewTokens() != null ? defaults.maxNewTokens() : DEFAULT_MAX_NEW_TOKENS;
        return Math.min(fallback, room);
    }

    /** Sampling and logits processing; an unseeded sample gets a seed of its own, recorded for replay. */
    SamplingSettings sampling(int vocabSize) {
        boolean doSample = first(p.getDoSample(), defaults.doSample(), false);
        double temperature = first(p.getTemperature() == null ? null : p.getTemperature().doubleValue(),
                defaults.temperature(), 1.0);
        int topK = first(p.getTopK(), defaults.topK(), 50);
        double topP = first(p.getTopP() == null ? null : p.getTopP().doubleValue(), defaults.topP(), 1.0);
        double penalty = first(p.getRepetitionPenalty() == null ? null : p.getRepetitionPenalty().doubleValue(),
                defaults.repetitionPenalty(), 1.0);
        long seed = p.getSeed() != null ? p.getSeed() : ThreadLocalRandom.current().nextLong();
        double minP = p.getMinP() == null ? 0.0 : p.getMinP();
        try {
            SamplingSettings s = new SamplingSettings(doSample, temperature, topK, topP, penalty, seed)
                    .withMinP(minP).withLogitBias(logitBias())
                    // a NaN or Inf score would make sampling meaningless: ChatGLM's guard, for samples only
                    .withInvalidScoreGuard(doSample);
            s.validateFor(vocabSize);
            return s;
        } catch (IllegalArgumentException e) {
            throw new TaskException(ErrorCodes.INVALID_INPUT, e.getMessage());
        }
    }

    private Map<Integer, Float> logitBias() {
        if (p.getLogitBias() == null) {
            return Map.of();
        }
        Map<Integer, Float> bias = new HashMap<>();
        p.getLogitBias().forEach((key, value) -> {
            try {
                bias.put(Integer.parseInt(key.toString().trim()), value);
            } catch (NumberFormatException e) {
                throw new TaskException(ErrorCodes.INVALID_INPUT, "logit_bias keys are token ids; '" + key
                        + "' is not a whole number");
            }
        });
        return bias;
    }

    /** Beam search settings; beams run without sampling, stop strings or logits processors. */
    BeamSettings beams(Set<Integer> eosTokenIds) {
        if (Boolean.TRUE.equals(p.getDoSample()) || p.getRepetitionPenalty() != null || p.getLogitBias() != null
                || p.getMinP() != null || !stop.isEmpty()) {
            throw new TaskException(ErrorCodes.UNSUPPORTED, "Beam search (num_beams > 1) runs without do_sample,"
                    + " repetition_penalty, logit_bias, min_p and stop strings; drop them or use num_beams=1");
        }
        try {
            return new BeamSettings(numBeams(), p.getLengthPenalty() == null ? 1.0 : p.getLengthPenalty(),
                    EarlyStopping.fromFlag(p.getEarlyStopping()),
                    p.getNumReturnSequences() == null ? 1 : p.getNumReturnSequences(), maxNewTokens, eosTokenIds);
        } catch (IllegalArgumentException e) {
            throw new TaskException(ErrorCodes.INVALID_INPUT, e.getMessage());
        }
    }

    void record(Map<String, String> parameters, SamplingSettings s, int topK) {
        parameters.put("max_new_tokens", Integer.toString(maxNewTokens));
        parameters.put("do_sample", Boolean.toString(s.doSample()));
        if (s.doSample()) {
            parameters.put("temperature", Double.toString(s.temperature()));
            parameters.put("top_k", Integer.toString(s.topK()));
            parameters.put("top_p", Double.toString(s.topP()));
            parameters.put("seed", Long.toString(s.seed()));
            if (s.minP() > 0) {
                parameters.put("min_p", Double.toString(s.minP()));
            }
        }
        if (!s.logitBias().isEmpty()) {
            parameters.put("logit_bias", new java.util.TreeMap<>(s.logitBias()).toString());
        }
        parameters.put("repetition_penalty", Double.toString(s.repetitionPenalty()));
        parameters.put("num_beams", "1");
        recordCommon(parameters, topK);
    }

    void record(Map<String, String> parameters, BeamSettings b) {
        parameters.put("max_new_tokens", Integer.toString(maxNewTokens));
        parameters.put("do_sample", "false");
        parameters.put("num_beams", Integer.toString(b.numBeams()));
        parameters.put("length_penalty", Double.toString(b.lengthPenalty()));
        parameters.put("early_stopping", Boolean.toString(b.earlyStopping() == EarlyStopping.WHEN_FULL));
        parameters.put("num_return_sequences", Integer.toString(b.numReturnSequences()));
        recordCommon(parameters, 0);
    }

    private void recordCommon(Map<String, String> parameters, int topK) {
        parameters.put("top_logprobs", Integer.toString(topK));
        parameters.put("stream", Boolean.toString(stream));
        if (ignoreEos()) {
            parameters.put("ignore_eos", "true");
        }
        if (!stop.isEmpty()) {
            parameters.put("stop", stop.toString());
        }
    }

    private static <T> T first(T requested, T modelDefault, T fallback) {
        return requested != null ? requested : modelDefault != null ? modelDefault : fallback;
    }
}
