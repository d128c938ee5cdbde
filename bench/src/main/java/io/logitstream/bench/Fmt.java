package io.logitstream.bench;

import java.util.List;
import java.util.Locale;

/** Numbers as the bench reports print them, and the statistics they take. */
public final class Fmt {

    private Fmt() {
    }

    public static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    /** The p-th percentile (0..100) by linear interpolation between the closest ranks; NaN when empty. */
    public static double percentile(List<Double> xs, double p) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double rank = p / 100 * (a.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = (int) Math.ceil(rank);
        return a[lo] + (a[hi] - a[lo]) * (rank - lo);
    }

    public static String num(double x) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return "-";
        }
        return x >= 100 ? String.format(Locale.ROOT, "%.0f", x) : String.format(Locale.ROOT, "%.1f", x);
    }

    public static String sec(double x) {
        return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.2f", x);
    }

    public static String ratio(double x) {
        return Double.isNaN(x) || Double.isInfinite(x) ? "-" : String.format(Locale.ROOT, "**%.2f**", x);
    }

    public static String pct(double x) {
        return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * x);
    }
}
