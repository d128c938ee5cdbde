package io.logitstream.worker.task;

import io.logitstream.contract.ErrorCodes;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.ScoreOutput;
import io.logitstream.schema.ScoringResult;
import io.logitstream.schema.TopLogprobs;
import io.logitstream.worker.engine.scoring.ContinuationScore;
import io.logitstream.worker.engine.scoring.Scorer;
import io.logitstream.worker.engine.scoring.SequenceScore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * SCORE: log-probabilities of the input tokens (vLLM's prompt_logprobs, transformers'
 * forward(labels=...)), or of a continuation given the input (lm-eval's loglikelihood).
 */
public final class ScoreTask implements ModelTask {

    private final Scorer scorer;
    private final PromptEncoder encoder;

    public ScoreTask(Scorer scorer, PromptEncoder encoder) {
        this.scorer = scorer;
        this.encoder = encoder;
    }

    @Override
    public void run(PromptRequest request, int[] inputIds, ScoringResult.Builder result,
            Map<String, String> parameters, TokenSink tokens) {
        int topK = topK(request);
        parameters.put("top_logprobs", Integer.toString(topK));
        if (request.getContinuation() != null) {
            result.setScore(continuation(inputIds, request.getContinuation(), topK));
        } else {
            result.setScore(input(inputIds, topK));
        }
    }

    /** Whether {@link #runBatch} can serve this request (scoring its own input, not a continuation). */
    static boolean isBatchable(PromptRequest request) {
        return request.getContinuation() == null;
    }

    static int topK(PromptRequest request) {
        return request.getTopLogprobs() == null ? 0 : request.getTopLogprobs();
    }

    /**
     * Scores several inputs in one engine batch (all with the same top-k); the outputs are in input
     * order. Inputs must have at least 2 tokens ({@link #checkScorable}).
     */
    List<ScoreOutput> runBatch(List<int[]> inputs, int topK) {
        List<SequenceScore> scores = scorer.scoreBatch(inputs, topK);
        List<ScoreOutput> out = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            out.add(toOutput(inputs.get(i), scores.get(i), topK));
        }
        return out;
    }

    static void checkScorable(int[] ids) {
        if (ids.length < 2) {
            throw new TaskException(ErrorCodes.INVALID_INPUT, "Scoring needs at least 2 tokens: the first token has no"
                    + " context; the input has " + ids.length);
        }
    }

    private ScoreOutput input(int[] ids, int topK) {
        checkScorable(ids);
        return toOutput(ids, scorer.score(ids, topK), topK);
    }

    private static ScoreOutput toOutput(int[] ids, SequenceScore s, int topK) {
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

    private ScoreOutput continuation(int[] prompt, String text, int topK) {
        int[] continuation = encoder.encodeContinuation(text);
        if (continuation.length == 0) {
            throw new TaskException(ErrorCodes.INVALID_INPUT, "The continuation tokenizes to no tokens");
        }
        ContinuationScore s = scorer.scoreContinuation(prompt, continuation, topK);
        List<TopLogprobs> top = new ArrayList<>(continuation.length);
        for (int j = 0; j < continuation.length; j++) {
            top.add(AvroLists.top(s.topIds()[j], s.topLogprobs()[j]));
        }
        double meanNll = -s.meanLogprob();
        return ScoreOutput.newBuilder()
                .setTokenLogprobs(AvroLists.floats(s.logprobs()))
                .setTopLogprobs(topK > 0 ? top : null)
                .setScoredFrom(prompt.length)
                .setContinuationIds(AvroLists.ints(continuation))
                .setSumLogprob(s.sumLogprob())
                .setMeanNll(meanNll)
                .setPerplexity(Math.exp(meanNll))
                .setNumScoredTokens(continuation.length)
                .setIsGreedy(s.isGreedy())
                .build();
    }
}
