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
    private final int vocabSize;
    private final long maxResultBytes;
    private final TokenTexts texts;

    /**
     * @param maxResultBytes what one result may take (the results producer's max.request.size, less headroom)
     * @param texts the strings of the scored tokens, for {@code ScoreOutput.tokens}
     */
    ScoreTask(PromptEncoder encoder, int vocabSize, long maxResultBytes, TokenTexts texts) {
        this.encoder = encoder;
        this.vocabSize = vocabSize;
        this.maxResultBytes = maxResultBytes;
        this.texts = texts;
    }

    @Override
    public TaskWork plan(PromptRequest request, int[] inputIds, Map<String, String> parameters, TokenSink tokens) {
        LogprobRequest wanted = LogprobRequest.of(request, encoder, vocabSize);
        wanted.record(parameters);
        int topK = wanted.topK();
        int[] selected = wanted.selectedIds();
        if (request.getContinuation() != null) {
            int[] continuation = encoder.encodeContinuation(request.getContinuation());
            if (continuation.length == 0) {
                throw new TaskException(ErrorCodes.INVALID_INPUT, "The continuation tokenizes to no tokens");
            }
            int[] all = Arrays.copyOf(inputIds, inputIds.length + continuation.length);
            System.arraycopy(continuation, 0, all, inputIds.length, continuation.length);
            wanted.checkFits(continuation.length, maxResultBytes);
            ScoringWork work = new ScoringWork(List.of(all), new int[] {inputIds.length}, topK, selected);
            return new TaskWork(work, result -> {
                ScoreOutput out = continuationOutput(inputIds.length, ContinuationScore.of(continuation, work.rows(0)),
                        topK);
                out.setTokens(texts.of(continuation, 0, tokensBudget(continuation.length, wanted)));
                if (wanted.wantsSelected()) {
                    out.setSelectedLogprobs(wanted.selectedOutput(work.rows(0).selected()));
                }
                result.setScore(out);
            });
        }
        checkScorable(inputIds);
        wanted.checkFits(inputIds.length, maxResultBytes);
        ScoringWork work = new ScoringWork(List.of(inputIds), new int[] {1}, topK, selected);
        return new TaskWork(work, result -> {
            ScoreOutput out = inputOutput(inputIds, Scorer.toSequenceScore(inputIds, work.rows(0), topK), topK);
            out.setTokens(texts.of(inputIds, 0, tokensBudget(inputIds.length, wanted)));
            if (wanted.wantsSelected()) {
                List<TopLogprobs> rows = new ArrayList<>();
                rows.add(null); // the first input token has no context
                rows.addAll(wanted.selectedOutput(work.rows(0).selected()));
                out.setSelectedLogprobs(rows);
            }
            result.setScore(out);
        });
    }

    private long tokensBudget(int positions, LogprobRequest wanted) {
        return TokenTexts.budget(maxResultBytes, positions, wanted.topK() + wanted.selectedIds().length);
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
