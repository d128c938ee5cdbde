package io.logitstream.app.runs;

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
import io.logitstream.schema.ScoreOutput;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Task;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The diff of two runs on hand-made results: what counts as a difference and how totals add up. */
class RunDiffTest {

    private static final double TOLERANCE = 1e-5;

    @Test
    void theSameResultsGiveAnEmptyDiffEvenUnderOtherRequestIds() {
        RunDiff diff = diff(List.of(score("a", 1, 0.5f, -1.0f, -2.0f), choice("a", 2, 1, true, -1.0, -0.5),
                        generate("a", 3, "xy", new int[] {5, 6}, -0.1f, -0.2f)),
                List.of(score("b", 1, 0.5f, -1.0f, -2.0000005f), choice("b", 2, 1, true, -1.0, -0.5),
                        generate("b", 3, "xy", new int[] {5, 6}, -0.1f, -0.2f)));

        assertThat(diff.identical()).isTrue();
        assertThat(diff.totals().get("paired").asInt()).isEqualTo(3);
        assertThat(diff.totals().get("max_logprob_delta").asDouble()).isLessThan(TOLERANCE);
        assertThat(diff.totals().at("/accuracy/change").asDouble()).isZero();
    }

    @Test
    void flipsTextChangesDeltasAccuracyAndProvenanceAreCounted() {
        ScoringResult changedChoice = choice("b", 2, 0, false, -0.4, -0.9);
        changedChoice.getProvenance().setModelFingerprint("fp-2");
        RunDiff diff = diff(List.of(score("a", 1, 0.5f, -1.0f, -2.0f), choice("a", 2, 1, true, -1.0, -0.5),
                        generate("a", 3, "xy", new int[] {5, 6, 7}, -0.1f, -0.2f, -0.3f)),
                List.of(score("b", 1, 0.5f, -1.25f, -2.0f), changedChoice,
                        generate("b", 3, "xz", new int[] {5, 8, 7}, -0.1f, -0.7f, -0.3f)));

        var totals = diff.totals();
        assertThat(diff.identical()).isFalse();
        assertThat(totals.get("differing").asInt()).isEqualTo(3);
        assertThat(totals.get("choice_best_index_flips").asInt()).isEqualTo(1);
        assertThat(totals.get("generated_text_changes").asInt()).isEqualTo(1);
        assertThat(totals.get("max_logprob_delta").asDouble()).isCloseTo(0.6, within(1e-6));
        assertThat(totals.at("/accuracy/run1").asDouble()).isEqualTo(1.0);
        assertThat(totals.at("/accuracy/run2").asDouble()).isEqualTo(0.0);
        assertThat(totals.get("provenance").get("model_fingerprint fp-1 -> fp-2").asInt()).isEqualTo(1);
        RequestDiff generation = diff.requests().get(2);
        assertThat(generation.firstDivergence()).isEqualTo(1);
        assertThat(generation.compared()).as("only tokens before the divergence").isEqualTo(1);
        assertThat(generation.maxDelta()).isZero();
        assertThat(diff.requests().get(0).maxDelta()).isCloseTo(0.25, within(1e-6));
    }

    @Test
    void greedyFlipsStatusChangesAndMissingRequestsDiffer() {
        ScoringResult greedy = score("a", 1, 0.5f, -1.0f);
        greedy.getScore().setIsGreedy(true);
        ScoringResult notGreedy = score("b", 1, 0.5f, -1.0f);
        notGreedy.getScore().setIsGreedy(false);
        ScoringResult failed = score("b", 2, 0.5f, -1.0f);
        failed.setStatus(ResultStatus.ERROR);
        failed.setError(new ErrorInfo("CONTEXT_LENGTH_EXCEEDED", "too long"));

        RunDiff diff = diff(List.of(greedy, score("a", 2, 0.5f, -1.0f), score("a", 3, 0.5f)),
                List.of(notGreedy, failed, score("b", 4, 0.5f)));

        assertThat(diff.totals().get("score_greedy_flips").asInt()).isEqualTo(1);
        assertThat(diff.totals().get("status_changes").asInt()).isEqualTo(1);
        assertThat(diff.totals().get("only_in_run1").asInt()).isEqualTo(1);
        assertThat(diff.totals().get("only_in_run2").asInt()).isEqualTo(1);
        assertThat(diff.requests().get(1).statusChange()).isEqualTo("OK -> ERROR CONTEXT_LENGTH_EXCEEDED");
        assertThat(diff.requests()).extracting(RequestDiff::key)
                .containsExactly("line 1", "line 2", "line 3", "line 4");
    }

    @Test
    void classificationsDifferByBestLabelAndLabelLogits() {
        RunDiff same = diff(List.of(classify("a", 1, -1.0f, 2.0f)), List.of(classify("b", 1, -1.0f, 2.000001f)));
        assertThat(same.identical()).isTrue();

        RunDiff flipped = diff(List.of(classify("a", 1, -1.0f, 2.0f)), List.of(classify("b", 1, 3.0f, 2.0f)));
        assertThat(flipped.identical()).isFalse();
        assertThat(flipped.totals().get("classify_best_label_flips").asInt()).isEqualTo(1);
        assertThat(flipped.totals().get("top1_flips").asInt()).isEqualTo(1);
        assertThat(flipped.totals().get("max_logprob_delta").asDouble()).as("the label logits' largest change")
                .isCloseTo(4.0, within(1e-6));
    }

    @Test
    void theTextReportListsDifferingRequestsAndTotals() {
        RunDiff diff = diff(List.of(choice("a", 10, 1, true, -1.0, -0.5), choice("a", 9, 1, true, -1.0, -0.5)),
                List.of(choice("b", 10, 0, false, -0.4, -0.9), choice("b", 9, 1, true, -1.0, -0.5)));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        diff.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);

        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).startsWith("line 10  CHOICE  a-10 / b-10  best_index flip; max |dlogprob| 0.6");
        assertThat(text).doesNotContain("line 9 ");
        assertThat(text).contains("accuracy (CHOICE with gold): 2/2 = 1.0000 -> 1/2 = 0.5000 (-0.5000)");
        assertThat(text.strip()).endsWith("different");
        assertThat(diff.toJson(false).get("requests")).hasSize(1);
    }

    @Test
    void aProvenanceChangeSharedByEveryRequestIsSaidOnceWithShortFingerprints() {
        String before = "sha256:" + "a".repeat(64);
        String after = "sha256:" + "b".repeat(64);
        List<ScoringResult> first = List.of(choice("a", 1, 1, true, -1.0, -0.5),
                choice("a", 2, 1, true, -1.0, -0.5));
        List<ScoringResult> second = List.of(choice("b", 1, 1, true, -1.0, -0.5),
                choice("b", 2, 0, false, -1.0, -0.5));
        first.forEach(r -> r.getProvenance().setModelFingerprint(before));
        second.forEach(r -> r.getProvenance().setModelFingerprint(after));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        diff(first, second).print(new PrintStream(bytes, true, StandardCharsets.UTF_8), false);

        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("line 1  CHOICE  a-1 / b-1  same answer; provenance differs (below)\n")
                .contains("line 2  CHOICE  a-2 / b-2  best_index flip")
                .contains("provenance: model_fingerprint sha256:aaaaaaaaaaaa -> sha256:bbbbbbbbbbbb (2 requests)");
        assertThat(text.lines().filter(l -> l.startsWith("line ")).noneMatch(l -> l.contains("fingerprint"))).isTrue();
    }

    private static RunDiff diff(List<ScoringResult> first, List<ScoringResult> second) {
        return RunDiff.compare("a", "b", digests(first), digests(second), TOLERANCE);
    }

    private static Map<String, ResultDigest> digests(List<ScoringResult> results) {
        Map<String, ResultDigest> out = new HashMap<>();
        results.forEach(r -> out.put(ResultDigest.of(r).pairKey(), ResultDigest.of(r)));
        return out;
    }

    private static ScoringResult.Builder base(String run, int line, Task task) {
        return ScoringResult.newBuilder().setRequestId(run + "-" + line).setModel("m").setTask(task)
                .setStatus(ResultStatus.OK).setInputIds(List.of()).setRunId(run)
                .setMetadata(Map.of(RunPositions.LINE_KEY, Integer.toString(line)))
                .setProvenance(Provenance.newBuilder().setModelName("m").setModelFingerprint("fp-1")
                        .setEngineVersion("e1").setWorkerId("w-" + run).setDevice("cpu")
                        .setParameters(Map.of("top_logprobs", "0")).build());
    }

    private static ScoringResult score(String run, int line, float... logprobs) {
        List<Float> values = new java.util.ArrayList<>();
        values.add(null);
        for (float v : logprobs) {
            values.add(v);
        }
        return base(run, line, Task.SCORE).setScore(ScoreOutput.newBuilder().setTokenLogprobs(values)
                .setSumLogprob(0).setMeanNll(0).setPerplexity(1).setNumScoredTokens(logprobs.length).build()).build();
    }

    private static ScoringResult choice(String run, int line, int best, boolean correct, double... logprobs) {
        List<CandidateScore> candidates = Arrays.stream(logprobs).mapToObj(lp -> CandidateScore.newBuilder()
                .setText("c").setTokenIds(List.of(1)).setLogprob(lp).setLogprobPerToken(lp).setProbability(0.5)
                .setProbabilityNormalized(0.5).build()).toList();
        return base(run, line, Task.CHOICE).setChoice(ChoiceOutput.newBuilder().setCandidates(candidates)
                .setBestIndex(best).setBestIndexNormalized(best).setCorrect(correct).build()).build();
    }

    private static ScoringResult classify(String run, int line, float... logits) {
        List<LabelScore> labels = new java.util.ArrayList<>();
        int best = 0;
        for (int i = 0; i < logits.length; i++) {
            labels.add(new LabelScore(i, "L" + i, logits[i], null));
            best = logits[i] > logits[best] ? i : best;
        }
        return base(run, line, Task.CLASSIFY).setClassification(ClassificationOutput.newBuilder().setLabels(labels)
                .setBestIndex(best).setBestLabel("L" + best).setPooledIndex(0)
                .setProblemType("single_label_classification").build()).build();
    }

    private static ScoringResult generate(String run, int line, String text, int[] ids, float... logprobs) {
        List<Float> values = new java.util.ArrayList<>();
        for (float v : logprobs) {
            values.add(v);
        }
        return base(run, line, Task.GENERATE).setGeneration(GenerationOutput.newBuilder().setText(text)
                .setNewIds(Arrays.stream(ids).boxed().toList()).setTokenLogprobs(values).setFinishReason("length")
                .setPromptTokens(1).setCompletionTokens(ids.length).build()).build();
    }
}
