package io.logitstream.worker.engine.batch;

import java.util.List;

/**
 * Decides how many tokens each running sequence feeds in the next step, within the budgets.
 * Pure logic, so the policy is tested without a model.
 *
 * <p>Policy: every decoding sequence (one pending token after its prompt is in) feeds its token,
 * so running generations advance every step; then sequences with prompt tokens pending take
 * chunks in admission order (FCFS) from what is left of the token budget, at most
 * {@code prefillChunkTokens} each. A model whose prompts cannot be chunked exactly (dynamic NTK
 * rope) feeds a prompt whole: in a step of its own when it does not fit beside others. Logits
 * rows are bounded too (a SCORE of a long prompt wants one row per token).
 */
public final class StepPlanner {

    /** What the planner needs to know of a sequence. */
    public interface Candidate {
        int pending();

        /** Whether the sequence is past its prompt (decoding one token at a time). */
        boolean decoding();

        /** Logit rows produced by feeding {@code count} of its pending tokens. */
        int logitRows(int count);
    }

    private final BatchBudgets budgets;
    private final boolean chunkingExact;
    private final long maxLogitRows;

    public StepPlanner(BatchBudgets budgets, boolean chunkingExact, int vocabSize) {
        this.budgets = budgets;
        this.chunkingExact = chunkingExact;
        this.maxLogitRows = Math.max(1, budgets.logitsBytes() / (4L * vocabSize));
    }

    /**
     * @param candidates running sequences in admission order
     * @return tokens to feed per candidate (0 = not in this step); never all zero when some
     *     candidate has pending tokens
     */
    public int[] plan(List<? extends Candidate> candidates) {
        int[] take = new int[candidates.size()];
        int tokens = budgets.maxBatchedTokens();
        long rows = maxLogitRows;
        boolean any = false;
        for (int i = 0; i < take.length; i++) {
            Candidate c = candidates.get(i);
            if (c.decoding() && c.pending() > 0 && tokens > 0) {
                take[i] = 1;
                tokens--;
                rows -= c.logitRows(1);
                any = true;
            }
        }
        for (int i = 0; i < take.length; i++) {
            Candidate c = candidates.get(i);
            if (c.decoding() || c.pending() == 0) {
                continue;
            }
            int chunk = Math.max(0, Math.min(c.pending(), Math.min(tokens, budgets.prefillChunkTokens())));
            while (chunk > 0 && c.logitRows(chunk) > rows) {
                chunk = Math.max(0, chunk - Math.max(1, chunk / 4));
            }
            if (!chunkingExact && chunk < c.pending()) {
                // a whole prompt or nothing; alone in a step if need be, so it is never starved
                chunk = any ? 0 : c.pending();
            }
            if (chunk == 0 && !any) {
                chunk = 1; // progress even when one row of logits exceeds the budget
            }
            if (chunk > 0) {
                take[i] = chunk;
                tokens -= chunk;
                rows -= c.logitRows(chunk);
                any = true;
            }
        }
        return take;
    }
}
