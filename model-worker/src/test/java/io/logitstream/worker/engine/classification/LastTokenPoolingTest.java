package io.logitstream.worker.engine.classification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** transformers 5's pooling rule: argmax(arange(T) * (ids != pad)). */
class LastTokenPoolingTest {
    private static final int PAD = 0;

    @Test
    void withoutPaddingTheLastTokenIsPooled() {
        assertThat(LastTokenPooling.index(new int[] {5, 6, 7}, PAD)).isEqualTo(2);
    }

    @Test
    void rightPaddingIsSkipped() {
        assertThat(LastTokenPooling.index(new int[] {5, 6, 7, PAD, PAD}, PAD)).isEqualTo(2);
    }

    @Test
    void leftPaddingLeavesTheLastTokenPooled() {
        assertThat(LastTokenPooling.index(new int[] {PAD, PAD, 5, 6, 7}, PAD)).isEqualTo(4);
    }

    @Test
    void aRealTokenEqualToThePadIdIsSkippedToo() {
        // Qwen2 reward models pad with <|endoftext|>: an input ending in it is read one token earlier,
        // while a pad id in the middle does not matter
        assertThat(LastTokenPooling.index(new int[] {5, PAD, 7, PAD}, PAD)).isEqualTo(2);
    }

    @Test
    void anInputOfPadIdsOnlyIsPooledAtTheFirstPosition() {
        assertThat(LastTokenPooling.index(new int[] {PAD, PAD, PAD}, PAD)).isEqualTo(0);
        assertThat(LastTokenPooling.index(new int[] {PAD}, PAD)).isEqualTo(0);
    }

    @Test
    void withoutAPadIdTheLastTokenIsPooledEvenIfItLooksLikePadding() {
        assertThat(LastTokenPooling.index(new int[] {5, 0, 0}, null)).isEqualTo(2);
    }

    @Test
    void anEmptyInputHasNothingToPool() {
        assertThatThrownBy(() -> LastTokenPooling.index(new int[0], PAD)).isInstanceOf(IllegalArgumentException.class);
    }
}
