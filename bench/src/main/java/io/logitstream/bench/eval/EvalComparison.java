package io.logitstream.bench.eval;

import java.util.Arrays;
import java.util.List;

/** How two sides' answers for the same workload compare: per-candidate loglikelihoods, argmax, token split. */
public final class EvalComparison {

    private EvalComparison() {
    }

    /** The largest |a - b| over every candidate of the items both answered (NaN when none). */
    public static double maxAbsDifference(double[][] a, double[][] b) {
        double max = Double.NaN;
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            if (a[i] == null || b[i] == null) {
                continue;
            }
            if (a[i].length != b[i].length) {
                return Double.POSITIVE_INFINITY;
            }
            for (int c = 0; c < a[i].length; c++) {
                double d = Math.abs(a[i][c] - b[i][c]);
                max = Double.isNaN(max) ? d : Math.max(max, d);
            }
        }
        return max;
    }

    /** Index of the largest value, the first on ties (numpy's argmax, lm-eval's acc, our CHOICE's best_index). */
    public static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Share of the items whose argmax is the gold index (unanswered items count as wrong). */
    public static double accuracy(double[][] loglikelihoods, List<EvalItem> items) {
        int right = 0;
        for (int i = 0; i < items.size(); i++) {
            if (loglikelihoods[i] != null && argmax(loglikelihoods[i]) == items.get(i).gold()) {
                right++;
            }
        }
        return (double) right / items.size();
    }

    /** Items on which both sides answered and picked the same candidate. */
    public static int sameArgmax(double[][] a, double[][] b) {
        int same = 0;
        for (int i = 0; i < Math.min(a.length, b.length); i++) {
            if (a[i] != null && b[i] != null && argmax(a[i]) == argmax(b[i])) {
                same++;
            }
        }
        return same;
    }

    /** Items whose context and candidates got exactly the same token ids on both sides. */
    public static int sameTokens(SideResult.Tokenization a, SideResult.Tokenization b) {
        int same = 0;
        for (int i = 0; i < Math.min(a.context().size(), b.context().size()); i++) {
            if (a.context().get(i) != null && b.context().get(i) != null
                    && Arrays.equals(a.context().get(i), b.context().get(i))
                    && sameLists(a.candidates().get(i), b.candidates().get(i))) {
                same++;
            }
        }
        return same;
    }

    private static boolean sameLists(List<int[]> a, List<int[]> b) {
        if (a == null || b == null || a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }
}
