package io.logitstream.worker.engine.generation;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How to generate.
 *
 * @param maxNewTokens upper bound on new tokens (also bounded by the context length)
 * @param eosTokenIds tokens that end generation; null = the model's generation_config defaults
 * @param ignoreEos generate through EOS tokens (benchmarks, golden comparisons)
 * @param topK alternatives reported per token (0 = none)
 * @param policy how the next token is chosen
 * @param stopStrings end generation when the text reaches one of these (cut from the output)
 * @param selectedIds tokens whose log-probabilities are reported at every generated position
 */
public record GenerationOptions(int maxNewTokens, Set<Integer> eosTokenIds, boolean ignoreEos, int topK,
        SamplingPolicy policy, List<String> stopStrings, int[] selectedIds) {

    public GenerationOptions {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k alternatives must be >= 0, got " + topK);
        }
        Objects.requireNonNull(policy, "policy");
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        selectedIds = selectedIds == null ? new int[0] : selectedIds.clone();
    }

    public GenerationOptions(int maxNewTokens, Set<Integer> eosTokenIds, boolean ignoreEos, int topK,
            SamplingPolicy policy, List<String> stopStrings) {
        this(maxNewTokens, eosTokenIds, ignoreEos, topK, policy, stopStrings, null);
    }

    public GenerationOptions withSelectedIds(int[] ids) {
        return new GenerationOptions(maxNewTokens, eosTokenIds, ignoreEos, topK, policy, stopStrings, ids);
    }

    /** Greedy, stopping at the model's EOS, no alternatives. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, null, false, 0, GreedyPolicy.INSTANCE, List.of());
    }

    public GenerationOptions withTopK(int k) {
        return new GenerationOptions(maxNewTokens, eosTokenIds, ignoreEos, k, policy, stopStrings, selectedIds);
    }

    public GenerationOptions withEos(Set<Integer> ids) {
        return new GenerationOptions(maxNewTokens, ids, ignoreEos, topK, policy, stopStrings, selectedIds);
    }

    public GenerationOptions withIgnoreEos(boolean ignore) {
        return new GenerationOptions(maxNewTokens, eosTokenIds, ignore, topK, policy, stopStrings, selectedIds);
    }

    public GenerationOptions withStopStrings(List<String> stops) {
        return new GenerationOptions(maxNewTokens, eosTokenIds, ignoreEos, topK, policy, stops, selectedIds);
    }

    public GenerationOptions withPolicy(SamplingPolicy p) {
        return new GenerationOptions(maxNewTokens, eosTokenIds, ignoreEos, topK, p, stopStrings, selectedIds);
    }
}
