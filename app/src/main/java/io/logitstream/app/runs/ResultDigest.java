package io.logitstream.app.runs;

import io.logitstream.schema.ChoiceOutput;
import io.logitstream.schema.ClassificationOutput;
import io.logitstream.schema.GenerationOutput;
import io.logitstream.schema.Provenance;
import io.logitstream.schema.ResultStatus;
import io.logitstream.schema.ScoreOutput;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.TeacherOutput;
import io.logitstream.schema.TopLogprobs;
import java.util.List;
import java.util.Map;

/**
 * What a diff compares of one result, small enough to hold a whole run: the top-1 decisions, the
 * generated tokens, the log-probabilities as a flat array and the provenance.
 *
 * @param values  SCORE: each scored token's logprob (NaN where there is none); CHOICE: each candidate's
 *                logprob; GENERATE: each new token's logprob; TEACHER: each position's largest logit;
 *                CLASSIFY: each label's logit (bestIndex: the best label)
 * @param argmax  SCORE (with top_logprobs) and TEACHER: the top-1 token per position; GENERATE: the new
 *                token ids; else null
 */
public record ResultDigest(String requestId, String pairKey, String task, boolean ok, String errorCode,
        Integer bestIndex, Integer bestIndexNormalized, Boolean correct, Boolean greedy, String text,
        int[] argmax, double[] values, String modelName, String fingerprint, String engineVersion, String device,
        Map<String, String> parameters, Long seed) {

    public static ResultDigest of(ScoringResult r) {
        String key = RunPositions.pairKey(r.getRequestId(), r.getMetadata());
        boolean ok = r.getStatus() == ResultStatus.OK;
        String errorCode = r.getError() == null ? null : r.getError().getCode();
        Provenance p = r.getProvenance();
        Integer best = null;
        Integer bestNormalized = null;
        Boolean correct = null;
        Boolean greedy = null;
        String text = null;
        int[] argmax = null;
        double[] values = new double[0];
        if (r.getChoice() != null) {
            ChoiceOutput c = r.getChoice();
            best = c.getBestIndex();
            bestNormalized = c.getBestIndexNormalized();
            correct = c.getCorrect();
            values = c.getCandidates().stream().mapToDouble(candidate -> candidate.getLogprob()).toArray();
        } else if (r.getScore() != null) {
            ScoreOutput s = r.getScore();
            greedy = s.getIsGreedy();
            values = s.getTokenLogprobs().stream().mapToDouble(v -> v == null ? Double.NaN : v).toArray();
            argmax = s.getTopLogprobs() == null ? null : topIds(s.getTopLogprobs());
        } else if (r.getGeneration() != null) {
            GenerationOutput g = r.getGeneration();
            text = g.getText();
            argmax = g.getNewIds().stream().mapToInt(Integer::intValue).toArray();
            values = g.getTokenLogprobs().stream().mapToDouble(Float::doubleValue).toArray();
        } else if (r.getClassification() != null) {
            ClassificationOutput c = r.getClassification();
            best = c.getBestIndex();
            values = c.getLabels().stream().mapToDouble(label -> label.getLogit()).toArray();
        } else if (r.getTeacher() != null) {
            TeacherOutput t = r.getTeacher();
            if (t.getTopIds() != null && t.getTopLogits() != null) {
                argmax = t.getTopIds().stream().mapToInt(row -> row.isEmpty() ? -1 : row.get(0)).toArray();
                values = t.getTopLogits().stream().mapToDouble(row -> row.isEmpty() ? Double.NaN : row.get(0))
                        .toArray();
            }
        }
        return new ResultDigest(r.getRequestId(), key, r.getTask().name(), ok, errorCode, best, bestNormalized,
                correct, greedy, text, argmax, values,
                p == null ? null : p.getModelName(), p == null ? null : p.getModelFingerprint(),
                p == null ? null : p.getEngineVersion(), p == null ? null : p.getDevice(),
                p == null ? Map.of() : Map.copyOf(p.getParameters()), p == null ? null : p.getSeed());
    }

    private static int[] topIds(List<TopLogprobs> positions) {
        return positions.stream().mapToInt(t -> t == null || t.getIds().isEmpty() ? -1 : t.getIds().get(0)).toArray();
    }
}
