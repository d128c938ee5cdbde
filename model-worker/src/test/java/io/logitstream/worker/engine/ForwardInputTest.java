package io.logitstream.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.logitstream.worker.engine.layers.AttentionMask;
import org.junit.jupiter.api.Test;

class ForwardInputTest {

    @Test
    void raggedOrMisshapenInputsAreRejected() {
        assertThatThrownBy(() -> ForwardInput.builder(new int[][] {{1, 2}, {3}}).build())
                .hasMessageContaining("differ in length");
        assertThatThrownBy(() -> ForwardInput.builder(new int[][] {{1, 2}}).attentionMask(new int[][] {{1}}).build())
                .hasMessageContaining("2 columns");
        assertThatThrownBy(() -> ForwardInput.builder(new int[][] {{1, 2}}).labels(new int[][] {{1, 2}})
                .logitsToKeep(1).build()).hasMessageContaining("logitsToKeep=0");
        assertThat(ForwardInput.of(new int[] {1, 2, 3}).length()).isEqualTo(3);
    }

    @Test
    void positionIdsFollowTransformersGenerate() {
        // left padding: pads get 1, real tokens count from 0
        long[][] left = AttentionMask.positionIds(new int[][] {{0, 0, 1, 1, 1}, {1, 1, 1, 1, 1}}, 2, 0, 5);
        assertThat(left[0]).containsExactly(1, 1, 0, 1, 2);
        assertThat(left[1]).containsExactly(0, 1, 2, 3, 4);
        // with 3 cached positions, only the new ones are returned
        long[][] step = AttentionMask.positionIds(new int[][] {{0, 1, 1, 1}}, 1, 3, 1);
        assertThat(step[0]).containsExactly(2);
        long[][] noMask = AttentionMask.positionIds(null, 2, 4, 2);
        assertThat(noMask[1]).containsExactly(4, 5);
    }
}
