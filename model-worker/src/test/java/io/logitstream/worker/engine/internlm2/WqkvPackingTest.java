package io.logitstream.worker.engine.internlm2;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The row order that turns InternLM2's per-group wqkv into the fused [q; k; v] projection. */
class WqkvPackingTest {

    @Test
    void groupedQueryHeadsComeFirstThenKeysThenValues() {
        // 4 query heads, 2 key/value heads, head_dim 2: wqkv rows are
        // group 0: q0 [0,1] q1 [2,3] k0 [4,5] v0 [6,7]; group 1: q2 [8,9] q3 [10,11] k1 [12,13] v1 [14,15]
        WqkvPacking p = new WqkvPacking(4, 2, 2);
        assertThat(p.groups()).isEqualTo(2);
        assertThat(p.rows()).isEqualTo(16);
        assertThat(p.llamaOrder()).containsExactly(
                0, 1, 2, 3, 8, 9, 10, 11, // q0 q1 q2 q3
                4, 5, 12, 13, // k0 k1
                6, 7, 14, 15); // v0 v1
    }

    @Test
    void multiQueryAndMultiHeadAreTheEdgeCases() {
        // one key/value head: the packing is already [q; k; v]
        assertThat(new WqkvPacking(3, 1, 2).llamaOrder()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        // as many key/value heads as query heads: groups of (q, k, v)
        assertThat(new WqkvPacking(2, 2, 1).llamaOrder()).containsExactly(0, 3, 1, 4, 2, 5);
    }
}
