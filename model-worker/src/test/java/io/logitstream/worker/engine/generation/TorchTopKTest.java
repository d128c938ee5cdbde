package io.logitstream.worker.engine.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.TestModels;
import org.junit.jupiter.api.Test;

class TorchTopKTest {

    /** fixtures/make_beam_golden.py: torch.topk on inputs full of exact ties (both kernel paths, NaNs). */
    @Test
    void tieOrderMatchesTorchOnBothKernelPaths() {
        JsonNode golden = TestModels.readJson(TestModels.root().resolve("fixtures/golden/beam/topk_ties.json"));
        int partial = 0;
        for (JsonNode c : golden.get("cases")) {
            int n = c.get("n").asInt();
            int k = c.get("k").asInt();
            long modulus = c.get("modulus").asLong();
            long mult = c.get("mult").asLong();
            long seed = c.get("seed").asLong();
            long nanCode = c.get("nan_code").asLong();
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                long code = (i * mult + seed) % modulus;
                values[i] = code == nanCode ? Float.NaN : code / 4.0f;
            }
            assertThat(TorchTopK.topk(values, k)).as("n=%d k=%d", n, k)
                    .containsExactly(TestModels.ints(c.get("indices")));
            partial += (long) k * 64 <= n ? 1 : 0;
        }
        assertThat(partial).as("cases on the partial-sort path").isBetween(1, golden.get("cases").size() - 1);
    }

    @Test
    void distinctValuesComeOutLargestFirst() {
        float[] values = {0.5f, -3f, 7f, 2f, Float.NEGATIVE_INFINITY, 6.5f};
        assertThat(TorchTopK.topk(values, 3)).containsExactly(2, 5, 3);
        assertThat(TorchTopK.topk(values, 6)).containsExactly(2, 5, 3, 0, 1, 4);
        assertThat(TorchTopK.topk(values, 0)).isEmpty();
        assertThatThrownBy(() -> TorchTopK.topk(values, 7)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void streamedValuesNeedNoArray() {
        // 10^6 values, k = 5: the partial-sort path reads them through the function only
        int[] top = TorchTopK.topk(i -> (float) -Math.abs(i - 777_777), 1_000_000, 5);
        assertThat(top[0]).isEqualTo(777_777);
        assertThat(top).containsExactlyInAnyOrder(777_775, 777_776, 777_777, 777_778, 777_779);
    }
}
