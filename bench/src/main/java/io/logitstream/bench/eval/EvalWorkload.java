package io.logitstream.bench.eval;

import java.util.Arrays;
import java.util.List;

/**
 * An evaluation-shaped workload: its items and their token counts under the checkpoint's tokenizer.
 *
 * @param name            short name in the report ("mmlu", "hellaswag")
 * @param shape           what it imitates, in words
 * @param prefixKey       the {@code prefix_key} our requests carry (items sharing a few-shot prefix), or null
 * @param items           the items, in the order every side runs them
 * @param contextTokens   tokens of each item's context
 * @param candidateTokens tokens of each item's candidates
 */
public record EvalWorkload(String name, String shape, String prefixKey, List<EvalItem> items, int[] contextTokens,
        int[][] candidateTokens) {

    public int size() {
        return items.size();
    }

    public int candidates() {
        return items.stream().mapToInt(i -> i.choices().size()).sum();
    }

    /** Tokens of every (context + candidate) pair: what scoring each candidate from scratch reads. */
    public long pairTokens() {
        long total = 0;
        for (int i = 0; i < items.size(); i++) {
            for (int c : candidateTokens[i]) {
                total += contextTokens[i] + c;
            }
        }
        return total;
    }

    /** Tokens of the distinct text: each context once plus every candidate (what a perfect cache computes). */
    public long distinctTokens() {
        long total = 0;
        for (int i = 0; i < items.size(); i++) {
            total += contextTokens[i];
            for (int c : candidateTokens[i]) {
                total += c;
            }
        }
        return total;
    }

    /** Tokens of the longest (context + candidate) pair. */
    public int longestPair() {
        int max = 0;
        for (int i = 0; i < items.size(); i++) {
            for (int c : candidateTokens[i]) {
                max = Math.max(max, contextTokens[i] + c);
            }
        }
        return max;
    }

    static int[] range(int[] values) {
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return new int[] {min, max};
    }

    /** "100 items, context 441..462 tokens, candidates 1..1 tokens". */
    public String describe() {
        int[] ctx = range(contextTokens);
        int[] cand = range(Arrays.stream(candidateTokens).flatMapToInt(Arrays::stream).toArray());
        return size() + " items x " + (candidates() / Math.max(1, size())) + " candidates, context " + ctx[0] + ".."
                + ctx[1] + " tokens, candidates " + cand[0] + ".." + cand[1] + " tokens";
    }
}
