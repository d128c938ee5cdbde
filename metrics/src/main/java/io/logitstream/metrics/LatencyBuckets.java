package io.logitstream.metrics;

import java.time.Duration;

/**
 * Fixed histogram buckets (Prometheus {@code le} bounds) for the latencies the components time. Fixed
 * rather than Micrometer's percentile histogram (about 70 buckets per series) so that a series with
 * its labels costs a dozen time series, and the same bounds compare across instances.
 */
public final class LatencyBuckets {

    /** One forward step of the running batch: milliseconds on a GPU, up to seconds on a CPU. */
    public static final Duration[] STEP = millis(1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 10_000);

    /** A request, from milliseconds (a cached score) to minutes (a long generation behind a queue). */
    public static final Duration[] REQUEST = millis(5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000,
            30_000, 60_000, 120_000, 300_000);

    private LatencyBuckets() {
    }

    private static Duration[] millis(long... bounds) {
        Duration[] out = new Duration[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            out[i] = Duration.ofMillis(bounds[i]);
        }
        return out;
    }
}
