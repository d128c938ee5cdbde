package io.logitstream.worker.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.NavigableSet;
import java.util.Random;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class CompletedOffsetsCodecTest {

    private final CompletedOffsetsCodec codec = new CompletedOffsetsCodec(4096);

    @Test
    void randomSetsRoundTrip() {
        Random random = new Random(42);
        for (int trial = 0; trial < 60; trial++) {
            long committed = random.nextInt(1_000_000);
            double density = random.nextDouble();
            int width = 1 + random.nextInt(codec.span());
            NavigableSet<Long> completed = new TreeSet<>();
            for (long o = committed + 1; o <= committed + width; o++) {
                if (random.nextDouble() < density) {
                    completed.add(o);
                }
            }
            String metadata = codec.encode(committed, completed);
            assertThat(metadata.length()).isLessThanOrEqualTo(4096);
            assertThat(codec.decode(committed, metadata)).isEqualTo(completed);
        }
    }

    @Test
    void nothingCompletedIsTheEmptyString() {
        assertThat(codec.encode(7, new TreeSet<>())).isEmpty();
        assertThat(codec.decode(7, "")).isEmpty();
    }

    @Test
    void sparseAndContiguousSetsUseRunLengthsDenseAlternatingOnesTheBitmap() {
        assertThat(codec.encode(100, set(5000L))).startsWith(CompletedOffsetsCodec.RUNS_TAG);
        assertThat(codec.encode(100, range(102, 10_000))).startsWith(CompletedOffsetsCodec.RUNS_TAG)
                .hasSizeLessThan(16);
        NavigableSet<Long> alternating = new TreeSet<>();
        LongStream.iterate(101, o -> o <= 200, o -> o + 2).forEach(alternating::add);
        assertThat(codec.encode(100, alternating)).startsWith(CompletedOffsetsCodec.BITMAP_TAG);
    }

    @Test
    void theWorstCaseAtTheEdgeOfTheWindowFitsTheBrokerLimitExactly() {
        assertThat(codec.span()).isEqualTo(24_544);
        NavigableSet<Long> worst = new TreeSet<>(); // every other offset, up to the last one the window allows
        for (long o = codec.span(); o >= 1; o -= 2) {
            worst.add(o);
        }
        String metadata = codec.encode(0, worst);
        assertThat(metadata).startsWith(CompletedOffsetsCodec.BITMAP_TAG);
        assertThat(metadata.length()).isLessThanOrEqualTo(4096).isGreaterThan(4090);
        assertThat(codec.decode(0, metadata)).isEqualTo(worst);
    }

    @Test
    void anOffsetPastTheWindowIsRefused() {
        assertThatThrownBy(() -> codec.encode(10, set(10L + codec.span() + 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.encode(10, set(10L))).isInstanceOf(IllegalArgumentException.class);
        assertThat(codec.encode(10, set(10L + codec.span()))).isNotEmpty();
    }

    @Test
    void theWindowFollowsTheConfiguredLimit() {
        assertThat(new CompletedOffsetsCodec(8).span()).isEqualTo(16);
        assertThat(new CompletedOffsetsCodec(1024).span()).isEqualTo(764 * 8); // 1019 base64 characters hold 764 bytes
        assertThatThrownBy(() -> new CompletedOffsetsCodec(7)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void foreignMetadataIsAnEmptySetAndCorruptMetadataIsAnError() {
        assertThat(codec.decode(3, "written by kafka-consumer-groups")).isEmpty();
        assertThat(codec.decode(3, null)).isEmpty();
        assertThatThrownBy(() -> codec.decode(3, CompletedOffsetsCodec.BITMAP_TAG + "%%%"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.decode(3, CompletedOffsetsCodec.RUNS_TAG + "gA")) // a varint cut short
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> codec.decode(3, CompletedOffsetsCodec.RUNS_TAG + "AP____8P")) // a huge run
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static NavigableSet<Long> set(Long... offsets) {
        return new TreeSet<>(java.util.List.of(offsets));
    }

    private static NavigableSet<Long> range(long from, long to) {
        NavigableSet<Long> set = new TreeSet<>();
        LongStream.rangeClosed(from, to).forEach(set::add);
        return set;
    }
}
