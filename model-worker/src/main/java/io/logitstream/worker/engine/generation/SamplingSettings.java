package io.logitstream.worker.engine.generation;

/**
 * transformers' logits processing and sampling knobs, with its semantics: repetition penalty
 * (CTRL-style: divide positive logits, multiply negative ones, of tokens already in the
 * sequence), then temperature, top-k and top-p filtering, then sampling from what remains.
 *
 * @param seed seeds the sampler so the same request gives the same tokens. The random stream is
 *     this engine's own (java.util.SplittableRandom), so seeded samples are reproducible here but
 *     not token-identical to torch's sampler.
 */
public record SamplingSettings(boolean doSample, double temperature, int topK, double topP,
        double repetitionPenalty, long seed) {

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
    }

    /** Plain argmax with no processing: the fast path. */
    public boolean isPlainGreedy() {
        return !doSample && repetitionPenalty == 1.0;
    }

    /** The policy that applies these settings. */
    public SamplingPolicy policy() {
        return isPlainGreedy() ? GreedyPolicy.INSTANCE : new ProcessedSamplingPolicy(this);
    }
}
