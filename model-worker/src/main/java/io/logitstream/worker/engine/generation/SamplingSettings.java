package io.logitstream.worker.engine.generation;

import java.util.Map;

/**
 * transformers' logits processing and sampling knobs, with its semantics and in the order of its
 * {@code _get_logits_processor}: logit bias (its SequenceBiasLogitsProcessor with single-token
 * sequences: added to the logits before anything else), repetition penalty (CTRL-style: divide
 * positive logits, multiply negative ones, of tokens already in the sequence), the invalid-score
 * guard (a custom processor, so after the built-in ones and before the sampling warpers), then,
 * when sampling, temperature, top-k, top-p and min-p filtering, and sampling from what remains.
 *
 * @param seed seeds the sampler so the same request gives the same tokens. The random stream is
 *     this engine's own (java.util.SplittableRandom), so seeded samples are reproducible here but
 *     not token-identical to torch's sampler.
 * @param minP sampling only: drop tokens whose probability is below minP times the top token's
 *     (MinPLogitsWarper, applied after top-p; 0 = off)
 * @param logitBias added to the logits of the given token ids (OpenAI's logit_bias); -inf bans a token
 * @param invalidScoreGuard ChatGLM's InvalidScoreLogitsProcessor: when a row holds a NaN or an
 *     infinity, every score becomes 0 and token {@value #GUARD_TOKEN_ID}'s becomes 5e4, so that
 *     token is chosen. ChatGLM checks its whole batch at once; here each sequence is checked on its
 *     own, which is ChatGLM's behaviour for one request and keeps one bad row from rewriting the
 *     other requests of a continuous batch.
 */
public record SamplingSettings(boolean doSample, double temperature, int topK, double topP,
        double repetitionPenalty, long seed, double minP, Map<Integer, Float> logitBias, boolean invalidScoreGuard) {

    /** The token the invalid-score guard forces (ChatGLM2/3's choice). */
    public static final int GUARD_TOKEN_ID = 5;
    /** The score the invalid-score guard gives {@link #GUARD_TOKEN_ID}. */
    public static final float GUARD_SCORE = 5e4f;

    public SamplingSettings {
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top_k must be >= 0, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        if (!(repetitionPenalty > 0)) {
            throw new IllegalArgumentException("repetition_penalty must be > 0, got " + repetitionPenalty);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
        }
        logitBias = logitBias == null ? Map.of() : Map.copyOf(logitBias);
        logitBias.forEach((id, bias) -> {
            if (id < 0) {
                throw new IllegalArgumentException("logit_bias token id must be >= 0, got " + id);
            }
            if (bias.isNaN() || bias == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("logit_bias for token " + id + " must be a number below +inf, got "
                        + bias);
            }
        });
    }

    /** Without min_p, logit bias or the guard. */
    public SamplingSettings(boolean doSample, double temperature, int topK, double topP, double repetitionPenalty,
            long seed) {
        this(doSample, temperature, topK, topP, repetitionPenalty, seed, 0.0, Map.of(), false);
    }

    public SamplingSettings withMinP(double p) {
        return new SamplingSettings(doSample, temperature, topK, topP, repetitionPenalty, seed, p, logitBias,
                invalidScoreGuard);
    }

    public SamplingSettings withLogitBias(Map<Integer, Float> bias) {
        return new SamplingSettings(doSample, temperature, topK, topP, repetitionPenalty, seed, minP, bias,
                invalidScoreGuard);
    }

    public SamplingSettings withInvalidScoreGuard(boolean guard) {
        return new SamplingSettings(doSample, temperature, topK, topP, repetitionPenalty, seed, minP, logitBias,
                guard);
    }

    /** Checks the logit_bias ids against the model's vocabulary (call when the request is admitted). */
    public void validateFor(int vocabSize) {
        for (int id : logitBias.keySet()) {
            if (id >= vocabSize) {
                throw new IllegalArgumentException("logit_bias token id " + id + " is outside the vocabulary (size "
                        + vocabSize + ")");
            }
        }
    }

    /** Plain argmax with no processing: the fast path. */
    public boolean isPlainGreedy() {
        return !doSample && repetitionPenalty == 1.0 && logitBias.isEmpty() && !invalidScoreGuard;
    }

    /** The policy that applies these settings. */
    public SamplingPolicy policy() {
        return isPlainGreedy() ? GreedyPolicy.INSTANCE : new ProcessedSamplingPolicy(this);
    }
}
