package io.logitstream.topology.runs;

import io.logitstream.schema.LatencyHistogram;
import java.util.ArrayList;
import java.util.List;

/**
 * A latency histogram that merges by adding counts: fixed log-spaced buckets, four per doubling, so
 * any two histograms (of two partitions, two hours, two runs) combine exactly, and a run of millions
 * of results takes under a hundred counters. Bucket 0 holds values under 1 ms, bucket i >= 1 values
 * in [2^((i-1)/4), 2^(i/4)) ms, the last one everything from 2^24 ms (4.7 hours) on.
 */
public final class LogBuckets {

    static final int PER_DOUBLING = 4;
    static final int DOUBLINGS = 24;
    /** Index of the last, open-ended bucket. */
    public static final int LAST = 1 + PER_DOUBLING * DOUBLINGS;

    private LogBuckets() {
    }

    public static int index(long ms) {
        if (ms < 1) {
            return 0;
        }
        // floor(4 * log2(ms)) from the bits: exact at powers of two, where floating point may not be.
        int octave = 63 - Long.numberOfLeadingZeros(ms);
        double fraction = ms / (double) (1L << octave);
        int step = (int) Math.floor(PER_DOUBLING * Math.log(fraction) / Math.log(2));
        return Math.min(LAST, 1 + PER_DOUBLING * octave + Math.min(step, PER_DOUBLING - 1));
    }

    /** Inclusive lower bound of bucket i, in ms. */
    public static double lowerBound(int i) {
        return i == 0 ? 0 : Math.pow(2, (i - 1) / (double) PER_DOUBLING);
    }

    /** Exclusive upper bound of bucket i, in ms; infinite for the last. */
    public static double upperBound(int i) {
        return i >= LAST ? Double.POSITIVE_INFINITY : Math.pow(2, i / (double) PER_DOUBLING);
    }

    /** A histogram of one value. */
    public static LatencyHistogram of(long ms) {
        long value = Math.max(0, ms);
        List<Long> counts = new ArrayList<>(index(value) + 1);
        for (int i = 0; i < index(value); i++) {
            counts.add(0L);
        }
        counts.add(1L);
        return withPercentiles(LatencyHistogram.newBuilder().setCount(1).setSumMs(value).setMaxMs(value)
                .setCounts(counts).build());
    }

    /** The sum of two histograms, either of which may be absent (null). */
    public static LatencyHistogram merge(LatencyHistogram a, LatencyHistogram b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        List<Long> longer = a.getCounts().size() >= b.getCounts().size() ? a.getCounts() : b.getCounts();
        List<Long> shorter = longer == a.getCounts() ? b.getCounts() : a.getCounts();
        List<Long> counts = new ArrayList<>(longer);
        for (int i = 0; i < shorter.size(); i++) {
            counts.set(i, counts.get(i) + shorter.get(i));
        }
        return withPercentiles(LatencyHistogram.newBuilder().setCount(a.getCount() + b.getCount())
                .setSumMs(a.getSumMs() + b.getSumMs()).setMaxMs(Math.max(a.getMaxMs(), b.getMaxMs()))
                .setCounts(counts).build());
    }

    /**
     * The value under which a fraction {@code q} of the values lie, as the upper bound of the bucket
     * that holds that rank (capped at the largest value seen): never below the exact percentile, at
     * most one bucket (19%) above it. Null for an empty histogram.
     */
    public static Double percentile(LatencyHistogram histogram, double q) {
        if (histogram.getCount() <= 0) {
            return null;
        }
        long rank = Math.max(1, (long) Math.ceil(q * histogram.getCount()));
        long seen = 0;
        List<Long> counts = histogram.getCounts();
        for (int i = 0; i < counts.size(); i++) {
            seen += counts.get(i);
            if (seen >= rank) {
                return Math.min(upperBound(i), histogram.getMaxMs());
            }
        }
        return (double) histogram.getMaxMs();
    }

    private static LatencyHistogram withPercentiles(LatencyHistogram histogram) {
        histogram.setP50Ms(percentile(histogram, 0.50));
        histogram.setP90Ms(percentile(histogram, 0.90));
        histogram.setP99Ms(percentile(histogram, 0.99));
        return histogram;
    }
}
