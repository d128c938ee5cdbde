package io.logitstream.bench.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.logitstream.schema.ErrorInfo;
import io.logitstream.schema.GenerationOutput;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServeMetricsTest {
    private static final long MS = 1_000_000L;

    @Test
    void timeToFirstTokenAndTimePerOutputTokenComeFromTheChunkArrivals() {
        RequestTrace t = new RequestTrace("r1", 0);
        t.markSent(1000 * MS);
        t.chunk(0, 1100 * MS);
        t.chunk(1, 1150 * MS);
        t.chunk(1, 1400 * MS); // a producer retry: the first arrival counts
        t.chunk(2, 1200 * MS);
        t.finish(generated("r1", 7, 8, 9), 1250 * MS);

        assertThat(t.ttftSeconds()).isCloseTo(0.100, within(1e-9));
        assertThat(t.tpotSeconds()).isCloseTo(0.050, within(1e-9));
        assertThat(t.latencySeconds()).isCloseTo(0.250, within(1e-9));
        assertThat(t.chunks()).isEqualTo(3);
        assertThat(t.newTokens()).isEqualTo(3);
        assertThat(t.newIds()).containsExactly(7, 8, 9);
    }

    @Test
    void aRunCountsSucceededRequestsOverTheWallTimeFromFirstSendToLastAnswer() {
        RequestTrace a = new RequestTrace("a", 0);
        a.markSent(0);
        a.chunk(0, 100 * MS);
        a.chunk(1, 300 * MS);
        a.finish(generated("a", 1, 2), 400 * MS);
        RequestTrace b = new RequestTrace("b", 1);
        b.markSent(10 * MS);
        b.finish(failed("b"), 500 * MS);
        RequestTrace c = new RequestTrace("c", 2);
        c.markSent(20 * MS);
        c.chunk(0, 200 * MS);
        c.finish(generated("c", 5), 1000 * MS);

        ServeMetrics m = ServeMetrics.of("kafka", List.of(a, b, c), 3, 0.0);

        assertThat(m.requests()).isEqualTo(3);
        assertThat(m.completed()).isEqualTo(2);
        assertThat(m.problems()).singleElement().asString().startsWith("b: ERROR ENGINE_ERROR");
        assertThat(m.wallSeconds()).isCloseTo(1.0, within(1e-9));
        assertThat(m.newTokens()).isEqualTo(3);
        assertThat(m.tokensPerSecond()).isCloseTo(3.0, within(1e-9));
        assertThat(m.requestsPerSecond()).isCloseTo(2.0, within(1e-9));
        assertThat(m.ttft()).containsExactly(0.1, 0.18);
        assertThat(m.tpot()).containsExactly(0.2); // c had a single chunk: no time per output token
    }

    @Test
    void sameTokensComparesOverTheShorterSequence() {
        ServeMetrics engine = withTokens(new int[] {1, 2, 3}, new int[] {4, 5, 6}, null);
        ServeMetrics other = withTokens(new int[] {1, 2}, new int[] {4, 5, 7}, new int[] {9});

        assertThat(other.sameTokens(engine)).isEqualTo(1);
        assertThat(other.sameTokens(null)).isEqualTo(-1);
    }

    @Test
    void targetsCompareTheKafkaPathWithTheBaselinesAndSayWhatWasNotMeasured() {
        ServeResults r = new ServeResults("m", java.nio.file.Path.of("m"), null);
        r.add(8, throughput(ServeResults.KAFKA, 30));
        r.add(8, throughput(TransformersSide.label(8, 8), 10));
        r.add(64, throughput(ServeResults.KAFKA, 85));
        r.add(64, throughput(ServeResults.ENGINE, 100));

        List<ServeResults.Target> targets = r.targets(8);

        assertThat(targets).extracting(ServeResults.Target::verdict)
                .containsExactly("reached", "not measured", "not measured", "not reached");
        assertThat(targets.get(0).value()).isCloseTo(3.0, within(1e-9));
        assertThat(targets.get(3).value()).isCloseTo(0.85, within(1e-9));
    }

    @Test
    void transformersLabelsNameTheBatching() {
        assertThat(TransformersSide.label(8, 8)).isEqualTo("transformers batch 8");
        assertThat(TransformersSide.label(32, 8)).isEqualTo("transformers batch 8 x 4");
    }

    private static ServeMetrics throughput(String side, long tokensPerSecond) {
        return new ServeMetrics(side, 1, 1, List.of(), 1.0, tokensPerSecond, List.of(), List.of(), List.of(), List.of(),
                0.0);
    }

    private static ServeMetrics withTokens(int[]... tokens) {
        return new ServeMetrics("x", tokens.length, tokens.length, List.of(), 1.0, 0, List.of(), List.of(), List.of(),
                java.util.Arrays.asList(tokens), 0.0);
    }

    private static ScoringResult generated(String id, Integer... ids) {
        return base(id, ResultStatus.OK).setGeneration(GenerationOutput.newBuilder().setText("")
                .setNewIds(List.of(ids)).setTokenLogprobs(List.of()).setFinishReason("length").setPromptTokens(4)
                .setCompletionTokens(ids.length).build()).build();
    }

    private static ScoringResult failed(String id) {
        return base(id, ResultStatus.ERROR).setError(ErrorInfo.newBuilder().setCode("ENGINE_ERROR").setMessage("boom")
                .build()).build();
    }

    private static ScoringResult.Builder base(String id, ResultStatus status) {
        return ScoringResult.newBuilder().setRequestId(id).setModel("m").setTask(Task.GENERATE).setStatus(status);
    }
}
