package io.logitstream.topology.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.logitstream.schema.CandidateScore;
import io.logitstream.schema.ChoiceOutput;
import io.logitstream.schema.ClassificationOutput;
import io.logitstream.schema.LabelScore;
import io.logitstream.schema.ErrorInfo;
import io.logitstream.schema.GenerationOutput;
import io.logitstream.schema.Provenance;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.RunSummary;
import io.logitstream.schema.ScoreOutput;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import io.logitstream.schema.Timings;
import io.logitstream.schema.Usage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What each kind of result adds to its run, and how contributions merge. */
class RunSummariesTest {

    @Test
    void choiceResultsGiveRawAndLengthNormalisedAccuracy() {
        RunSummary run = fold(
                RunResults.choice("a", "run", true, false),
                RunResults.choice("b", "run", false, true),
                RunResults.choice("c", "run", true, true),
                RunResults.ok("d", "run", Task.CHOICE).setChoice(ChoiceOutput.newBuilder()
                        .setCandidates(List.<CandidateScore>of()).setBestIndex(0).setBestIndexNormalized(0).build())
                        .build()); // no gold answer: not graded
        assertThat(run.getChoiceGraded()).isEqualTo(3);
        assertThat(run.getAccuracy()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(run.getAccuracyNormalized()).isCloseTo(2 / 3.0, within(1e-12));
        assertThat(run.getTasks()).containsEntry("CHOICE", 4L);
        assertThat(run.getDone()).isEqualTo(4);
    }

    @Test
    void scoreResultsGiveTheTokenWeightedMeanNllAndItsPerplexity() {
        RunSummary run = fold(RunResults.score("a", "run", 2.0, 10), RunResults.score("b", "run", 1.0, 30),
                RunResults.score("c", "run", Double.POSITIVE_INFINITY, 5));
        assertThat(run.getScoreResults()).isEqualTo(3);
        assertThat(run.getScoreTokens()).as("the infinite NLL is left out").isEqualTo(40);
        assertThat(run.getMeanNll()).isCloseTo((2.0 * 10 + 1.0 * 30) / 40, within(1e-12));
        assertThat(run.getPerplexity()).isCloseTo(Math.exp(50.0 / 40), within(1e-9));
    }

    @Test
    void classifyResultsAreCountedByTaskWithTheirTokens() {
        ScoringResult classified = RunResults.ok("a", "run", Task.CLASSIFY)
                .setInputIds(List.of(1, 2, 3))
                .setClassification(ClassificationOutput.newBuilder()
                        .setLabels(List.of(new LabelScore(0, "LABEL_0", 1.5f, null)))
                        .setBestIndex(0).setBestLabel("LABEL_0").setReward(1.5f).setPooledIndex(2)
                        .setProblemType("regression").build())
                .build();
        RunSummary run = fold(classified, RunResults.ok("b", "run", Task.SCORE).build(),
                ScoringResult.newBuilder(RunResults.error("c", "run", "UNSUPPORTED")).setTask(Task.CLASSIFY).build());
        assertThat(run.getTasks()).containsExactlyInAnyOrderEntriesOf(Map.of("CLASSIFY", 2L, "SCORE", 1L));
        assertThat(run.getDone()).isEqualTo(2);
        assertThat(run.getErrorsByCode()).containsExactlyEntriesOf(Map.of("UNSUPPORTED", 1L));
        assertThat(run.getPromptTokens()).isEqualTo(3);
        assertThat(run.getScoreResults()).isZero();
        assertThat(run.getChoiceGraded()).isZero();
    }

    @Test
    void errorsAreCountedByCode() {
        RunSummary run = fold(RunResults.error("a", "run", "ENGINE_ERROR"), RunResults.error("b", "run", "ENGINE_ERROR"),
                RunResults.error("c", "run", "UNKNOWN_MODEL"), RunResults.ok("d", "run", Task.SCORE).build());
        assertThat(run.getAnswered()).isEqualTo(4);
        assertThat(run.getErrors()).isEqualTo(3);
        assertThat(run.getErrorsByCode()).containsExactlyInAnyOrderEntriesOf(Map.of("ENGINE_ERROR", 2L,
                "UNKNOWN_MODEL", 1L));
    }

    @Test
    void tokensComeFromUsageWhenPresentElseFromTheResult() {
        ScoringResult withUsage = RunResults.ok("a", "run", Task.GENERATE)
                .setUsage(new Usage(12, 5, 8, 9)).build();
        ScoringResult without = RunResults.ok("b", "run", Task.GENERATE).setInputIds(List.of(1, 2, 3))
                .setGeneration(GenerationOutput.newBuilder().setText("x").setNewIds(List.of(4, 5))
                        .setTokenLogprobs(List.of(-1f, -2f)).setFinishReason("length").setPromptTokens(3)
                        .setCompletionTokens(2).build()).build();
        RunSummary run = fold(withUsage, without);
        assertThat(List.of(run.getPromptTokens(), run.getCompletionTokens(), run.getCachedTokens(),
                run.getComputedTokens())).containsExactly(15L, 7L, 8L, 9L);
    }

    @Test
    void latenciesTimestampsAndModelsAreKept() {
        ScoringResult fast = RunResults.ok("a", "run", Task.SCORE).setTimings(timings(2, 40)).build();
        ScoringResult slow = RunResults.ok("b", "run", Task.SCORE).setTimings(timings(300, 900)).build();
        RunSummary run = RunSummaries.merge(RunContribution.result(fast, 1_000), RunContribution.result(slow, 5_000));
        assertThat(run.getQueueMs().getCount()).isEqualTo(2);
        assertThat(run.getQueueMs().getMaxMs()).isEqualTo(300);
        assertThat(run.getComputeMs().getP50Ms()).isBetween(40.0, 40 * 1.19);
        assertThat(run.getComputeMs().getP99Ms()).isEqualTo(900.0);
        assertThat(run.getFirstAtMs()).isEqualTo(1_000);
        assertThat(run.getLastAtMs()).isEqualTo(5_000);
        assertThat(run.getModels()).singleElement().satisfies(m -> {
            assertThat(m.getFingerprint()).isEqualTo("sha256:one");
            assertThat(m.getResults()).isEqualTo(2);
        });
    }

    @Test
    void modelsSeenAreBoundedAndTheRestCounted() {
        RunSummary run = RunSummaries.empty("run");
        for (int i = 0; i < RunSummaries.MAX_MODELS + 3; i++) {
            ScoringResult result = RunResults.ok("r" + i, "run", Task.SCORE).setProvenance(provenance("sha256:" + i))
                    .build();
            run = RunSummaries.merge(run, RunContribution.result(result, i));
        }
        assertThat(run.getModels()).hasSize(RunSummaries.MAX_MODELS);
        assertThat(run.getModelsDropped()).isEqualTo(3);
    }

    @Test
    void mergeLeavesItsArgumentsAsTheyWere() {
        RunSummary first = RunContribution.result(RunResults.error("a", "run", "ENGINE_ERROR"), 1);
        RunSummary copy = RunSummary.newBuilder(first).build();
        RunSummaries.merge(RunSummaries.merge(first, first), first);
        assertThat(first).isEqualTo(copy);
    }

    private static RunSummary fold(ScoringResult... results) {
        RunSummary run = RunSummaries.empty("");
        for (ScoringResult result : results) {
            run = RunSummaries.merge(run, RunContribution.result(result, 0));
        }
        return run;
    }

    private static Timings timings(long queueMs, long computeMs) {
        return Timings.newBuilder().setEnqueuedAtMs(0).setStartedAtMs(queueMs).setCompletedAtMs(queueMs + computeMs)
                .setQueueMs(queueMs).setComputeMs(computeMs).build();
    }

    static Provenance provenance(String fingerprint) {
        return Provenance.newBuilder().setModelName("m").setModelFingerprint(fingerprint).setEngineVersion("t")
                .setWorkerId("w").setDevice("cpu").setParameters(Map.of()).build();
    }

    /** Results as a worker would publish them. */
    static final class RunResults {

        static ScoringResult.Builder ok(String id, String run, Task task) {
            return ScoringResult.newBuilder().setRequestId(id).setModel("m").setTask(task).setStatus(ResultStatus.OK)
                    .setRunId(run).setProvenance(provenance("sha256:one"));
        }

        static ScoringResult choice(String id, String run, boolean correct, boolean correctNormalized) {
            return ok(id, run, Task.CHOICE).setChoice(ChoiceOutput.newBuilder().setCandidates(List.<CandidateScore>of())
                    .setBestIndex(0).setBestIndexNormalized(0).setCorrect(correct)
                    .setCorrectNormalized(correctNormalized).build()).build();
        }

        static ScoringResult score(String id, String run, double meanNll, int tokens) {
            return ok(id, run, Task.SCORE).setScore(ScoreOutput.newBuilder().setTokenLogprobs(List.of())
                    .setSumLogprob(-meanNll * tokens).setMeanNll(meanNll).setPerplexity(Math.exp(meanNll))
                    .setNumScoredTokens(tokens).build()).build();
        }

        static ScoringResult error(String id, String run, String code) {
            return ScoringResult.newBuilder().setRequestId(id).setModel("m").setTask(Task.SCORE)
                    .setStatus(ResultStatus.ERROR).setError(new ErrorInfo(code, "failed")).setRunId(run).build();
        }
    }
}
