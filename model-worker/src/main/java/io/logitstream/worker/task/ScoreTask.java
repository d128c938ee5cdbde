package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoreOutput;
import io.logitstream.schema.TopLogprobs;
import io.logitstream.worker.engine.scoring.ContinuationScore;
import io.logitstream.worker.engine.scoring.Scorer;
import io.logitstream.worker.engine.scoring.ScoringWork;
import io.logitstream.worker.engine.scoring.SequenceScore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * SCORE: log-probabilities of the input tokens (vLLM's prompt_logprobs, transformers'
 * forward(labels=...)), or of a continuation given the input (lm-eval's loglikelihood).
 */
public final class ScoreTask implements ModelTask {

    private final PromptEncoder encoder;

    public ScoreTask(PromptEncoder encoder) {
        this.encoder = encoder;
    }

    @Override
    public TaskWork plan(PromptRequest request, int[] inputIds, Map<String, String> parameters, TokenSink tokens) {
        int topK = topK(request);
        parameters.put("top_logprobs", Integer.toString(topK));
        if (request.getContinuation() != null) {
            int[] continuation = encoder.encodeContinuation(request.getContinuation());
            if (continuation.length == 0) {
                throw new TaskException(ErrorCodes.INVALID_INPUT, "The continuation tokenizes to no tokens");
            }
            int[] all = Arrays.copyOf(inputIds, inputIds.length + continuation.length);
            System.arraycopy(continuation, 0, all, inputIds.length, continuation.length);
            ScoringWork work = new ScoringWork(List.of(all), new int[] {inputIds.length}, topK);
            return new TaskWork(work, result -> result.setScore(continuationOutput(inputIds.length,
                    ContinuationScore.of(continuation, work.rows(0)), topK)));
        }
        checkScorable(inputIds);
        ScoringWork work = new ScoringWork(List.of(inputIds), new int[] {1}, topK);
        return new TaskWork(work, result -> result.setScore(
                inputOutput(inputIds, Scorer.toSequenceScore(inputIds, work.rows(0), topK), topK)));
    }

    static int topK(PromptRequest request) {
        return request.getTopLogprobs() == null ? 0 : request.getTopLogprobs();
    }

    static void checkScorable(int[] ids) {
        if (ids.length < 2) {
            throw new TaskException(ErrorCodes.INVALID_INPUT, "Scoring needs at least 2 tokens: the first token has no"
                    + " context; the input has " + ids.length);
        }
    }

    private static ScoreOutput inputOutput(int[] ids, SequenceScore s, int topK) {
        List<Float> logprobs = new ArrayList<>(ids.length);
        List<TopLogprobs> top = new ArrayList<>(ids.length);
        logprobs.add(null);
        top.add(null);
        for (int t = 1; t < ids.length; t++) {
            logprobs.add(s.tokenLogprobs()[t]);
            top.add(AvroLists.top(s.topIds()[t], s.topLogprobs()[t]));
        }
        return ScoreOutput.newBuilder()
                .setTokenLogprobs(logprobs)
                .setTopLogprobs(topK > 0 ? top : null)
                .setScoredFrom(1)
                .setSumLogprob(s.sumLogprob())
                .setMeanNll(s.meanNll())
                .setPerplexity(s.perplexity())
                .setNumScoredTokens(ids.length - 1)
                .build();
    }

    private static ScoreOutput continuationOutput(int promptLength, ContinuationScore s, int topK) {
        int[] continuation = s.continuationIds();
        List<TopLogprobs> top = new ArrayList<>(continuation.length);
        for (int j = 0; j < continuation.length; j++) {
            top.add(AvroLists.top(s.topIds()[j], s.topLogprobs()[j]));
        }
        double meanNll = -s.meanLogprob();
        return ScoreOutput.newBuilder()
                .setTokenLogprobs(AvroLists.floats(s.logprobs()))
                .setTopLogprobs(topK > 0 ? top : null)
                .setScoredFrom(promptLength)
                .setContinuationIds(AvroLists.ints(continuation))
                .setSumLogprob(s.sumLogprob())
                .setMeanNll(meanNll)
                .setPerplexity(Math.exp(meanNll))
                .setNumScoredTokens(continuation.length)
                .setIsGreedy(s.isGreedy())
                .build();
    }
}
