package io.logitstream.topology.runs;

import io.logitstream.schema.ModelSeen;
import io.logitstream.schema.RunSummary;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Merging run summaries: counts add, histograms add, timestamps take the earliest and latest, models
 * keep the first {@link #MAX_MODELS} (model, fingerprint) pairs; the derived values (accuracy, mean
 * NLL, perplexity) are recomputed from the sums. Associative, so contributions can be merged in
 * any grouping; never changes its arguments (Kafka Streams may hold on to them).
 */
public final class RunSummaries {

    /** A run served by more checkpoints than this is unusual: the rest are only counted. */
    public static final int MAX_MODELS = 16;

    private RunSummaries() {
    }

    /** The summary of a run nothing is known about yet. */
    public static RunSummary empty(String runId) {
        return RunSummary.newBuilder().setRunId(runId).build();
    }

    public static RunSummary merge(RunSummary a, RunSummary b) {
        RunSummary.Builder merged = RunSummary.newBuilder()
                .setRunId(a.getRunId() == null || a.getRunId().isEmpty() ? b.getRunId() : a.getRunId())
                .setRequests(a.getRequests() + b.getRequests())
                .setAnswered(a.getAnswered() + b.getAnswered())
                .setDone(a.getDone() + b.getDone())
                .setErrors(a.getErrors() + b.getErrors())
                .setErrorsByCode(add(a.getErrorsByCode(), b.getErrorsByCode()))
                .setTasks(add(a.getTasks(), b.getTasks()))
                .setDuplicateNotices(a.getDuplicateNotices() + b.getDuplicateNotices())
                .setRepeatedResults(a.getRepeatedResults() + b.getRepeatedResults())
                .setChoiceGraded(a.getChoiceGraded() + b.getChoiceGraded())
                .setChoiceCorrect(a.getChoiceCorrect() + b.getChoiceCorrect())
                .setChoiceCorrectNormalized(a.getChoiceCorrectNormalized() + b.getChoiceCorrectNormalized())
                .setScoreResults(a.getScoreResults() + b.getScoreResults())
                .setScoreTokens(a.getScoreTokens() + b.getScoreTokens())
                .setScoreNllSum(a.getScoreNllSum() + b.getScoreNllSum())
                .setPromptTokens(a.getPromptTokens() + b.getPromptTokens())
                .setCompletionTokens(a.getCompletionTokens() + b.getCompletionTokens())
                .setCachedTokens(a.getCachedTokens() + b.getCachedTokens())
                .setComputedTokens(a.getComputedTokens() + b.getComputedTokens())
                .setQueueMs(LogBuckets.merge(a.getQueueMs(), b.getQueueMs()))
                .setComputeMs(LogBuckets.merge(a.getComputeMs(), b.getComputeMs()))
                .setFirstAtMs(extreme(a.getFirstAtMs(), b.getFirstAtMs(), true))
                .setLastAtMs(extreme(a.getLastAtMs(), b.getLastAtMs(), false));
        mergeModels(a, b, merged);
        return derive(merged).build();
    }

    private static RunSummary.Builder derive(RunSummary.Builder s) {
        long graded = s.getChoiceGraded();
        s.setAccuracy(graded == 0 ? null : s.getChoiceCorrect() / (double) graded);
        s.setAccuracyNormalized(graded == 0 ? null : s.getChoiceCorrectNormalized() / (double) graded);
        Double meanNll = s.getScoreTokens() == 0 ? null : s.getScoreNllSum() / s.getScoreTokens();
        s.setMeanNll(meanNll);
        s.setPerplexity(meanNll == null ? null : Math.exp(meanNll));
        return s;
    }

    private static void mergeModels(RunSummary a, RunSummary b, RunSummary.Builder merged) {
        List<ModelSeen> models = new ArrayList<>(a.getModels().size() + b.getModels().size());
        a.getModels().forEach(m -> models.add(ModelSeen.newBuilder(m).build()));
        long dropped = a.getModelsDropped() + b.getModelsDropped();
        for (ModelSeen seen : b.getModels()) {
            ModelSeen same = models.stream().filter(m -> m.getModel().equals(seen.getModel())
                    && Objects.equals(m.getFingerprint(), seen.getFingerprint())).findFirst().orElse(null);
            if (same != null) {
                same.setResults(same.getResults() + seen.getResults());
            } else if (models.size() < MAX_MODELS) {
                models.add(ModelSeen.newBuilder(seen).build());
            } else {
                dropped += seen.getResults();
            }
        }
        merged.setModels(models).setModelsDropped(dropped);
    }

    private static Map<String, Long> add(Map<String, Long> a, Map<String, Long> b) {
        Map<String, Long> sum = new HashMap<>(a);
        b.forEach((key, count) -> sum.merge(key, count, Long::sum));
        return sum;
    }

    private static Long extreme(Long a, Long b, boolean earliest) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return earliest ? Math.min(a, b) : Math.max(a, b);
    }
}
