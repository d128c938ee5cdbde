package io.logitstream.worker.engine.internvl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.logitstream.worker.engine.EmbeddingOverride;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.TestModels;
import io.logitstream.worker.engine.batch.BatchBudgets;
import io.logitstream.worker.engine.batch.BatchSequence;
import io.logitstream.worker.engine.batch.ContinuousBatcher;
import io.logitstream.worker.engine.scoring.ScoringWork;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The prefix cache keys image positions by their image: a request with the same token ids as a
 * cached one but another image reuses only the text before the image; the same image reuses all.
 */
class ImagePrefixCacheTest {

    /** Scores the last position of {@code ids} with {@code embeddings}; returns the sequence (for its counters). */
    private static BatchSequence score(ContinuousBatcher batcher, int[] ids, EmbeddingOverride embeddings,
            float[] logprobOut) {
        ScoringWork work = new ScoringWork(List.of(ids), new int[] {ids.length - 1}, 0);
        work.sequences().get(0).useEmbeddings(embeddings);
        batcher.add(work);
        while (batcher.hasWork()) {
            batcher.step();
        }
        logprobOut[0] = work.rows(0).logprobs()[0];
        return work.sequences().get(0);
    }

    @Test
    void anotherImageBehindTheSameTokensReusesOnlyTheTextBeforeIt() throws Exception {
        LoadedModel m = TestModels.model(InternVlGoldenTest.NAME);
        JsonNode c = TestModels.golden(InternVlGoldenTest.NAME).get("prompts").get(0);
        Object[] p = InternVlGoldenTest.prompt(c);
        int[] ids = (int[]) p[0];
        EmbeddingOverride first = (EmbeddingOverride) p[1];
        // the same token ids with other image embeddings (another image of the same tile count)
        float[] otherRows = first.rows().clone();
        for (int i = 0; i < otherRows.length; i++) {
            otherRows[i] = -otherRows[i];
        }
        int[] otherKeys = first.keys().clone();
        for (int i = 0; i < otherKeys.length; i++) {
            otherKeys[i] = InternVlPrompt.key(42, i);
        }
        EmbeddingOverride other = new EmbeddingOverride(first.positions(), otherRows, first.width(), otherKeys);

        float[] a = new float[1];
        float[] b = new float[1];
        float[] bAlone = new float[1];
        float[] again = new float[1];
        try (ContinuousBatcher alone = new ContinuousBatcher(m.model(), BatchBudgets.defaults())) {
            score(alone, ids, other, bAlone);
        }
        try (ContinuousBatcher batcher = new ContinuousBatcher(m.model(),
                BatchBudgets.defaults().withPrefixCacheBytes(64L << 20))) {
            BatchSequence s1 = score(batcher, ids, first, a);
            BatchSequence s2 = score(batcher, ids, other, b);
            BatchSequence s3 = score(batcher, ids, first, again);

            assertThat(s1.cached()).isZero();
            assertThat(s2.cached()).as("only the text before the image").isEqualTo(first.first());
            assertThat(s3.cached()).as("the same image: everything before the scored position")
                    .isEqualTo(ids.length - 2);
        }
        assertThat((double) b[0]).as("the other image's own answer").isCloseTo(bAlone[0], within(1e-5));
        assertThat((double) again[0]).isCloseTo(a[0], within(1e-5));
        assertThat(Math.abs(a[0] - b[0])).as("the two images give different answers").isGreaterThan(1e-3f);
    }
}
