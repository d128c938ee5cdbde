package io.logitstream.bench;

import java.util.List;

/**
 * One measured task on the same token ids for both engines.
 *
 * @param name short name in the table ("score b32")
 * @param kind SCORE (one forward with the logprob of every position), GENERATE (greedy, fixed new tokens) or
 *             CLASSIFY (one forward through a sequence-classification head, the label logits of the last token)
 * @param seqs the prompts (token ids)
 * @param reps measured repetitions per engine
 * @param warmupSeqs the prompts of the untimed warm-up run (a prefix of {@code seqs} for the big batch)
 */
public record Workload(String name, Kind kind, List<int[]> seqs, int reps, List<int[]> warmupSeqs) {

    public enum Kind { SCORE, GENERATE, CLASSIFY }

    public int batch() {
        return seqs.size();
    }

    public long promptTokens() {
        long n = 0;
        for (int[] s : seqs) {
            n += s.length;
        }
        return n;
    }

    /** Tokens that count for throughput: every prompt position (score, classify) or every new token (generate). */
    public long countedTokens(int newTokens) {
        return kind != Kind.GENERATE ? promptTokens() : (long) seqs.size() * newTokens;
    }

    public int minLength() {
        return seqs.stream().mapToInt(s -> s.length).min().orElse(0);
    }

    public int maxLength() {
        return seqs.stream().mapToInt(s -> s.length).max().orElse(0);
    }
}
