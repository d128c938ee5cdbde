package io.logitstream.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * How our Scorer partitions a batch (mirrored here and in hf_bench.py so both engines run the same
 * sub-batches), and the padding a partition costs. Keep it in step with Scorer.scoreRows.
 */
public final class Batching {
    /** Our Scorer's logits budget per sub-batch (Scorer.LOGITS_BUDGET_BYTES, package-private there). */
    public static final long LOGITS_BUDGET_BYTES = 1L << 30;

    private Batching() {
    }

    /**
     * The Scorer's partition (since it sorts, commit 4a68d91): the sequences sorted by length
     * (shortest first, stable), then sub-batches grown while rows x max_len x vocab x 4 bytes fit the budget.
     */
    public static List<List<int[]>> splitLikeScorer(List<int[]> seqs, long vocab, long budget) {
        List<int[]> sorted = new ArrayList<>(seqs);
        sorted.sort(Comparator.comparingInt((int[] s) -> s.length));
        return splitInOrder(sorted, vocab, budget);
    }

    /** The same budget rule over the sequences in the given order (the Scorer before it sorted). */
    public static List<List<int[]>> splitInOrder(List<int[]> seqs, long vocab, long budget) {
        List<List<int[]>> out = new ArrayList<>();
        int i = 0;
        while (i < seqs.size()) {
            int maxLen = 0;
            int j = i;
            while (j < seqs.size()) {
                int len = Math.max(maxLen, seqs.get(j).length);
                if (j > i && (long) (j - i + 1) * len * vocab * 4L > budget) {
                    break;
                }
                maxLen = len;
                j++;
            }
            out.add(seqs.subList(i, j));
            i = j;
        }
        return out;
    }

    /** Positions computed for a partition (every sub-batch padded to its longest sequence). */
    public static long paddedPositions(List<List<int[]>> partition) {
        long n = 0;
        for (List<int[]> sub : partition) {
            int max = sub.stream().mapToInt(s -> s.length).max().orElse(0);
            n += (long) max * sub.size();
        }
        return n;
    }

    /** Attention score elements (B x T x T summed over sub-batches, per head and layer) of a partition. */
    public static long paddedAttentionCells(List<List<int[]>> partition) {
        long n = 0;
        for (List<int[]> sub : partition) {
            long max = sub.stream().mapToInt(s -> s.length).max().orElse(0);
            n += max * max * sub.size();
        }
        return n;
    }

    public static long realPositions(List<int[]> seqs) {
        return seqs.stream().mapToLong(s -> s.length).sum();
    }
}
