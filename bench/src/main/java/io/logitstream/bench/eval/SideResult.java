package io.logitstream.bench.eval;

import java.util.List;

/**
 * What one side computed for one workload.
 *
 * @param label          the side's name in the report
 * @param seconds        the measured time (the throughput's denominator; see the report for what each side's covers)
 * @param loglikelihoods per item, per candidate: log p(candidate | context); a null row for an item without an answer
 * @param tokens         how the side split each item into token ids (null when it does not say)
 * @param usage          cached and computed tokens summed over the items (null when the results carry none)
 * @param foreignShare   the share of the CPUs other processes used meanwhile
 * @param detail         anything else worth a line in the report (may be empty)
 */
public record SideResult(String label, double seconds, double[][] loglikelihoods, Tokenization tokens, Usage usage,
        double foreignShare, String detail) {

    /** Token ids of every item's context and of each of its candidates. */
    public record Tokenization(List<int[]> context, List<List<int[]>> candidates) {
    }

    /** Cached and computed tokens, summed over the results that report them. */
    public record Usage(long cachedTokens, long computedTokens, int results) {
    }

    public int answered() {
        int n = 0;
        for (double[] row : loglikelihoods) {
            n += row != null ? 1 : 0;
        }
        return n;
    }

    public double itemsPerSecond() {
        return loglikelihoods.length / seconds;
    }
}
