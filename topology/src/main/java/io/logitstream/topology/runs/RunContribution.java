package io.logitstream.topology.runs;

import io.logitstream.schema.ChoiceOutput;
import io.logitstream.schema.GenerationOutput;
import io.logitstream.schema.ModelSeen;
import io.logitstream.schema.Provenance;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.RunSummary;
import io.logitstream.schema.ScoreOutput;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.Timings;
import io.logitstream.schema.Usage;
import java.util.List;
import java.util.Map;

/**
 * What one record adds to its run, as a summary of that record alone. Summaries merge
 * ({@link RunSummaries#merge}), so a run's summary is the merge of its records' contributions, in
 * any grouping: that is what lets them travel through a repartition topic as small records instead
 * of whole results (a TEACHER result can take a megabyte).
 */
public final class RunContribution {

    private RunContribution() {
    }

    /** A request of the run that the topology received and routed or answered. */
    public static RunSummary received(String runId, long timestamp) {
        return start(runId, timestamp).setRequests(1).build();
    }

    /** A DUPLICATE notice: the request_id was sent again; its original is counted already. */
    public static RunSummary duplicateNotice(String runId, long timestamp) {
        return start(runId, timestamp).setDuplicateNotices(1).build();
    }

    /** Another result for a request whose result was counted already (it was served twice). */
    public static RunSummary repeatedResult(String runId, long timestamp) {
        return start(runId, timestamp).setRepeatedResults(1).build();
    }

    /** A result (not a DUPLICATE notice): its status, task output, tokens, timings and model. */
    public static RunSummary result(ScoringResult result, long timestamp) {
        RunSummary.Builder summary = start(result.getRunId(), timestamp).setAnswered(1)
                .setTasks(Map.of(result.getTask().name(), 1L));
        if (result.getStatus() == ResultStatus.OK) {
            summary.setDone(1);
        } else {
            String code = result.getError() == null ? "UNKNOWN" : result.getError().getCode();
            summary.setErrors(1).setErrorsByCode(Map.of(code, 1L));
        }
        choice(result.getChoice(), summary);
        score(result.getScore(), summary);
        tokens(result, summary);
        Timings timings = result.getTimings();
        if (timings != null) {
            summary.setQueueMs(LogBuckets.of(timings.getQueueMs())).setComputeMs(LogBuckets.of(timings.getComputeMs()));
        }
        Provenance provenance = result.getProvenance();
        String model = provenance != null ? provenance.getModelName() : result.getModel();
        summary.setModels(List.of(new ModelSeen(model, provenance == null ? null : provenance.getModelFingerprint(), 1L)));
        return summary.build();
    }

    private static RunSummary.Builder start(String runId, long timestamp) {
        return RunSummary.newBuilder().setRunId(runId).setFirstAtMs(timestamp).setLastAtMs(timestamp);
    }

    /** Accuracy counts only results graded against a gold answer. */
    private static void choice(ChoiceOutput choice, RunSummary.Builder summary) {
        if (choice == null || choice.getCorrect() == null) {
            return;
        }
        summary.setChoiceGraded(1).setChoiceCorrect(choice.getCorrect() ? 1 : 0)
                .setChoiceCorrectNormalized(Boolean.TRUE.equals(choice.getCorrectNormalized()) ? 1 : 0);
    }

    /**
     * NLL weighted by tokens, so the run's mean is per token (corpus perplexity), not per request. A
     * non-finite NLL (a token the model gives probability 0) would poison the sum forever: left out.
     */
    private static void score(ScoreOutput score, RunSummary.Builder summary) {
        if (score == null) {
            return;
        }
        summary.setScoreResults(1);
        if (Double.isFinite(score.getMeanNll()) && score.getNumScoredTokens() > 0) {
            summary.setScoreTokens(score.getNumScoredTokens())
                    .setScoreNllSum(score.getMeanNll() * score.getNumScoredTokens());
        }
    }

    /** The worker's usage when it sent one; otherwise what the result itself shows. */
    private static void tokens(ScoringResult result, RunSummary.Builder summary) {
        Usage usage = result.getUsage();
        if (usage != null) {
            summary.setPromptTokens(usage.getPromptTokens()).setCompletionTokens(usage.getCompletionTokens())
                    .setCachedTokens(usage.getCachedTokens()).setComputedTokens(usage.getComputedTokens());
            return;
        }
        summary.setPromptTokens(result.getInputIds() == null ? 0 : result.getInputIds().size());
        GenerationOutput generation = result.getGeneration();
        if (generation != null) {
            summary.setCompletionTokens(generation.getCompletionTokens());
        }
    }
}
