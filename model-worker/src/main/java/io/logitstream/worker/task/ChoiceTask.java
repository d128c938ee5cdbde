package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.CandidateScore;
import io.logitstream.schema.ChoiceOutput;
import io.logitstream.schema.PromptRequest;
import io.logitstream.worker.engine.scoring.ContinuationScore;
import io.logitstream.worker.engine.scoring.ScoringWork;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * CHOICE: the probability of each candidate as a continuation of the input, as lm-eval's
 * multiple-choice tasks compute it: the sum of the candidate's token log-probabilities (acc), and
 * the same divided by its token count (a length-normalised variant). Single-letter candidates
 * (" A", " B", ...) give the "probability of letters" recipe. All candidates run in one batch.
 */
public final class ChoiceTask implements ModelTask {

    private final PromptEncoder encoder;

    public ChoiceTask(PromptEncoder encoder) {
        this.encoder = encoder;
    }

    @Override
    public TaskWork plan(PromptRequest request, int[] inputIds, Map<String, String> parameters, TokenSink tokens) {
        List<String> choices = request.getChoices();
        List<int[]> candidates = new ArrayList<>(choices.size());
        List<int[]> sequences = new ArrayList<>(choices.size());
        int[] starts = new int[choices.size()];
        for (String choice : choices) {
            int[] ids = encoder.encodeContinuation(choice);
            if (ids.length == 0) {
                throw new TaskException(ErrorCodes.INVALID_INPUT, "Choice \"" + choice + "\" tokenizes to no tokens");
            }
            int[] all = Arrays.copyOf(inputIds, inputIds.length + ids.length);
            System.arraycopy(ids, 0, all, inputIds.length, ids.length);
            starts[candidates.size()] = inputIds.length;
            candidates.add(ids);
            sequences.add(all);
        }
        parameters.put("choices", Integer.toString(choices.size()));
        ScoringWork work = new ScoringWork(sequences, starts, 0);
        return new TaskWork(work, result -> {
            List<ContinuationScore> scores = new ArrayList<>(candidates.size());
            for (int i = 0; i < candidates.size(); i++) {
                scores.add(ContinuationScore.of(candidates.get(i), work.rows(i)));
            }
            result.setChoice(output(choices, candidates, scores, request.getGoldIndex()));
        });
    }

    private static ChoiceOutput output(List<String> choices, List<int[]> candidates, List<ContinuationScore> scores,
            Integer gold) {
        double[] raw = new double[scores.size()];
        double[] normalized = new double[scores.size()];
        for (int i = 0; i < scores.size(); i++) {
            raw[i] = scores.get(i).sumLogprob();
            normalized[i] = scores.get(i).meanLogprob();
        }
        double[] probability = softmax(raw);
        double[] probabilityNormalized = softmax(normalized);
        List<CandidateScore> out = new ArrayList<>(scores.size());
        for (int i = 0; i < scores.size(); i++) {
            out.add(CandidateScore.newBuilder()
                    .setText(choices.get(i))
                    .setTokenIds(AvroLists.ints(candidates.get(i)))
                    .setLogprob(raw[i])
                    .setLogprobPerToken(normalized[i])
                    .setProbability(probability[i])
                    .setProbabilityNormalized(probabilityNormalized[i])
                    .build());
        }
        int best = argmax(raw);
        int bestNormalized = argmax(normalized);
        return ChoiceOutput.newBuilder()
                .setCandidates(out)
                .setBestIndex(best)
                .setBestIndexNormalized(bestNormalized)
                .setCorrect(gold == null ? null : gold == best)
                .setCorrectNormalized(gold == null ? null : gold == bestNormalized)
                .build();
    }

    /** Softmax over the candidates, stable for very negative log-probabilities. */
    static double[] softmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = Math.exp(logits[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
