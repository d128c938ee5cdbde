package io.logitstream.topology.runs;

import static org.assertj.core.api.Assertions.assertThat;

import io.logitstream.schema.LatencyHistogram;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LogBucketsTest {

    @Test
    void bucketsAreLogSpacedFourPerDoublingAndBoundTheirValues() {
        assertThat(LogBuckets.index(0)).isZero();
        assertThat(LogBuckets.index(1)).isEqualTo(1);
        assertThat(LogBuckets.index(2)).isEqualTo(5);
        assertThat(LogBuckets.index(1024)).isEqualTo(41);
        assertThat(LogBuckets.index(Long.MAX_VALUE)).isEqualTo(LogBuckets.LAST);
        for (long ms : new long[] {1, 2, 3, 7, 100, 999, 1000, 65_535, 65_536, 3_600_000}) {
            int i = LogBuckets.index(ms);
            assertThat((double) ms).as("%d ms in bucket %d", ms, i)
                    .isGreaterThanOrEqualTo(LogBuckets.lowerBound(i)).isLessThan(LogBuckets.upperBound(i));
        }
    }

    @Test
    void percentilesAreWithinOneBucketAboveTheExactValue() {
        Random random = new Random(7);
        List<Long> values = new ArrayList<>();
        LatencyHistogram histogram = null;
        for (int i = 0; i < 10_000; i++) {
            long ms = (long) Math.exp(random.nextGaussian() * 1.5 + 4); // log-normal around 55 ms
            values.add(ms);
            histogram = LogBuckets.merge(histogram, LogBuckets.of(ms));
        }
        values.sort(null);
        for (double q : new double[] {0.5, 0.9, 0.99}) {
            long exact = values.get((int) Math.ceil(q * values.size()) - 1);
            Double estimate = LogBuckets.percentile(histogram, q);
            assertThat(estimate).as("p%s", q * 100).isGreaterThanOrEqualTo((double) exact)
                    .isLessThanOrEqualTo(Math.max(exact + 1, exact * 1.19 + 1));
        }
        assertThat(histogram.getP50Ms()).isEqualTo(LogBuckets.percentile(histogram, 0.5));
        assertThat(histogram.getCount()).isEqualTo(10_000);
        assertThat(histogram.getMaxMs()).isEqualTo(values.get(values.size() - 1));
    }

    @Test
    void mergingInAnyGroupingGivesTheSameHistogram() {
        LatencyHistogram left = null;
        LatencyHistogram right = null;
        LatencyHistogram all = null;
        for (long ms : LongStream.range(0, 500).map(i -> i * i % 9973).toArray()) {
            LatencyHistogram one = LogBuckets.of(ms);
            all = LogBuckets.merge(all, one);
            if (ms % 2 == 0) {
                left = LogBuckets.merge(left, one);
            } else {
                right = LogBuckets.merge(one, right);
            }
        }
        assertThat(LogBuckets.merge(right, left)).isEqualTo(all);
    }

    @Test
    void zeroLatenciesHaveZeroPercentiles() {
        LatencyHistogram zeros = LogBuckets.merge(LogBuckets.of(0), LogBuckets.of(0));
        assertThat(zeros.getP99Ms()).isZero();
        assertThat(LogBuckets.percentile(LatencyHistogram.newBuilder().build(), 0.5)).isNull();
    }
}
