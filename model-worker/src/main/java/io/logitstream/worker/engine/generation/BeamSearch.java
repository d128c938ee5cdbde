package io.logitstream.worker.engine.generation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The decisions of one request's beam search, step by step, as transformers 5's {@code _beam_search}
 * makes them (utils.py: {@code _get_top_k_continuations}, {@code _get_running_beams_for_next_iteration},
 * {@code _update_finished_beams}, {@code _check_early_stop_heuristic}). Tensor-free: the caller runs
 * the model for each live beam and hands over its log-probabilities; this class says which beams to
 * keep and which token each appends, and collects the finished hypotheses.
 *
 * <p>What it reproduces, in float32 like transformers, so that tokens and scores match exactly:
 * <ul>
 * <li>The first step: transformers runs num_beams copies of the prompt with running scores
 *     (0, -1e9, -1e9, ...), so only the first copy's tokens are picked (unless the vocabulary is
 *     smaller than the candidates kept). Here the prompt is one live beam and the copies are virtual.
 * <li>Candidates: the top (max(1, #eos) + 1) x num_beams of running_score + logprob over
 *     beams x vocab, in torch.topk's order ({@link TorchTopK}, ties included).
 * <li>A candidate finishes when its token is an EOS id or it reaches max_new_tokens. Only finished
 *     candidates ranked in the first num_beams become hypotheses, scored
 *     sum / generated_length^length_penalty (new tokens only, EOS included); they compete with the
 *     num_beams kept so far. The best num_beams unfinished candidates run on.
 * <li>Stopping: max_new_tokens, {@link EarlyStopping} (all num_beams hypotheses finished, and the
 *     heuristic that the best running beam can no longer win).
 * </ul>
 * One instance serves one request; not thread-safe.
 */
public final class BeamSearch {
    /** transformers' stand-in for "impossible" (not -inf, so sums stay ordered). */
    private static final float IMPOSSIBLE = -1e9f;

    /** An immutable token list that shares prefixes: beams fork without copying their history. */
    private record Path(int token, Path parent, int length) {
        static final Path EMPTY = new Path(-1, null, 0);

        Path append(int next) {
            return new Path(next, this, length + 1);
        }

        int[] tokens() {
            int[] out = new int[length];
            for (Path p = this; p.length > 0; p = p.parent) {
                out[p.length - 1] = p.token;
            }
            return out;
        }
    }

    /** Log-probabilities of the live beams, by (live beam, token). */
    @FunctionalInterface
    private interface Rows {
        float at(int beam, int token);
    }

    private final BeamSettings settings;
    private final int numBeams;
    private final int beamsToKeep;

    private final float[] runningScores;
    private Path[] runningPaths;
    private final float[] finishedScores;
    private final boolean[] finished;
    private Path[] finishedPaths;
    private boolean improvementPossible = true;
    private int steps;
    private boolean done;

    public BeamSearch(BeamSettings settings) {
        this.settings = settings;
        this.numBeams = settings.numBeams();
        this.beamsToKeep = settings.beamsToKeep();
        this.runningScores = new float[numBeams];
        Arrays.fill(runningScores, 1, numBeams, IMPOSSIBLE);
        this.runningPaths = new Path[numBeams];
        Arrays.fill(runningPaths, Path.EMPTY);
        this.finishedScores = new float[numBeams];
        Arrays.fill(finishedScores, IMPOSSIBLE);
        this.finished = new boolean[numBeams];
        this.finishedPaths = new Path[numBeams];
    }

    public BeamSettings settings() {
        return settings;
    }

    /** Beams the next step takes log-probabilities for: 1 before the first step (the prompt), then num_beams. */
    public int liveBeams() {
        return steps == 0 ? 1 : numBeams;
    }

    /** Steps taken, which is also every live beam's count of generated tokens. */
    public int steps() {
        return steps;
    }

    public boolean isDone() {
        return done;
    }

    /** The generated tokens of live beam {@code beam} (for repetition penalties and similar processors). */
    public int[] liveTokens(int beam) {
        checkLiveBeam(beam);
        return runningPaths[beam].tokens();
    }

    /**
     * One step.
     *
     * @param logprobs for each live beam, its row of processed log-probabilities (transformers:
     *     {@code logits_processor(log_softmax(last_logits))}: log-softmax first, processors after, no
     *     renormalisation), flattened as [liveBeams() * vocab]
     */
    public BeamStep step(float[] logprobs, int vocab) {
        if (vocab < 1 || logprobs.length != (long) liveBeams() * vocab) {
            throw new IllegalArgumentException("expected " + liveBeams() + " x " + vocab + " log-probabilities, got "
                    + logprobs.length);
        }
        return step((beam, token) -> logprobs[beam * vocab + token], vocab);
    }

    /** One step, with one row of processed log-probabilities per live beam (see {@link #step(float[], int)}). */
    public BeamStep step(float[][] logprobs) {
        if (logprobs.length != liveBeams() || logprobs[0].length == 0) {
            throw new IllegalArgumentException("expected " + liveBeams() + " rows, got " + logprobs.length);
        }
        int vocab = logprobs[0].length;
        for (float[] row : logprobs) {
            if (row.length != vocab) {
                throw new IllegalArgumentException("rows of different lengths: " + vocab + " and " + row.length);
            }
        }
        return step((beam, token) -> logprobs[beam][token], vocab);
    }

    /** The step's top candidates, in torch.topk's order; paths[j] is the beam a candidate would make. */
    private record Candidates(float[] scores, int[] parents, int[] tokens, boolean[] hits, Path[] paths) {
    }

    private BeamStep step(Rows rows, int vocab) {
        if (done) {
            throw new IllegalStateException("beam search is already done");
        }
        if ((long) numBeams * vocab > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("num_beams x vocab exceeds 2^31");
        }
        // Before the first step every (virtual) beam is the prompt: live beam 0.
        boolean first = steps == 0;
        TorchTopK.Values sums = flat -> rows.at(first ? 0 : flat / vocab, flat % vocab) + runningScores[flat / vocab];
        int[] top = TorchTopK.topk(sums, numBeams * vocab, beamsToKeep);

        Candidates c = new Candidates(new float[beamsToKeep], new int[beamsToKeep], new int[beamsToKeep],
                new boolean[beamsToKeep], new Path[beamsToKeep]);
        boolean lastStep = steps + 1 == settings.maxNewTokens();
        boolean allHit = true;
        for (int j = 0; j < beamsToKeep; j++) {
            c.scores[j] = sums.at(top[j]);
            c.parents[j] = first ? 0 : top[j] / vocab;
            c.tokens[j] = top[j] % vocab;
            c.hits[j] = lastStep || settings.eosTokenIds().contains(c.tokens[j]);
            c.paths[j] = runningPaths[c.parents[j]].append(c.tokens[j]);
            allHit &= c.hits[j];
        }

        int[] kept = keepRunning(c);
        updateFinished(c);
        steps++;
        boolean canImprove = checkImprovementPossible();
        boolean stopFull = allFinished() && settings.earlyStopping() == EarlyStopping.WHEN_FULL;
        done = !canImprove || stopFull || allHit;
        if (done) {
            return BeamStep.DONE;
        }
        int[] parents = new int[numBeams];
        int[] tokens = new int[numBeams];
        for (int i = 0; i < numBeams; i++) {
            parents[i] = c.parents[kept[i]];
            tokens[i] = c.tokens[kept[i]];
        }
        return new BeamStep(parents, tokens, false);
    }

    /**
     * _get_running_beams_for_next_iteration: the best num_beams candidates that did not finish
     * become the running beams; returns which candidates.
     */
    private int[] keepRunning(Candidates c) {
        float[] running = new float[beamsToKeep];
        for (int j = 0; j < beamsToKeep; j++) {
            running[j] = c.hits[j] ? c.scores[j] + IMPOSSIBLE : c.scores[j];
        }
        int[] kept = TorchTopK.topk(running, numBeams);
        Path[] paths = new Path[numBeams];
        for (int i = 0; i < numBeams; i++) {
            runningScores[i] = running[kept[i]];
            paths[i] = c.paths[kept[i]];
        }
        runningPaths = paths;
        return kept;
    }

    /** _update_finished_beams: finished candidates in the top num_beams ranks compete for the num_beams slots. */
    private void updateFinished(Candidates c) {
        float denominator = (float) Math.pow(steps + 1, settings.lengthPenalty());
        boolean full = allFinished() && settings.earlyStopping() == EarlyStopping.WHEN_FULL;
        float[] merged = new float[numBeams + beamsToKeep];
        System.arraycopy(finishedScores, 0, merged, 0, numBeams);
        for (int j = 0; j < beamsToKeep; j++) {
            float s = c.scores[j] / denominator;
            // transformers' additions in its order; the first two cannot happen while the search runs
            // but cost nothing and keep the arithmetic the same.
            if (full) {
                s += IMPOSSIBLE;
            }
            if (!improvementPossible) {
                s += IMPOSSIBLE;
            }
            if (!justFinished(c, j)) {
                s += IMPOSSIBLE;
            }
            merged[numBeams + j] = s;
        }
        int[] best = TorchTopK.topk(merged, numBeams);
        boolean[] wasFinished = finished.clone();
        Path[] paths = new Path[numBeams];
        for (int i = 0; i < numBeams; i++) {
            int m = best[i];
            finishedScores[i] = merged[m];
            finished[i] = m < numBeams ? wasFinished[m] : justFinished(c, m - numBeams);
            paths[i] = m < numBeams ? finishedPaths[m] : c.paths[m - numBeams];
        }
        finishedPaths = paths;
    }

    /** Only the top num_beams candidates may become hypotheses; the rest are spares to keep beams running. */
    private boolean justFinished(Candidates c, int j) {
        return c.hits[j] && j < numBeams;
    }

    /**
     * _check_early_stop_heuristic, after the step: false once all num_beams slots hold finished
     * hypotheses and the best running beam, at its best hypothetical length, does not beat the worst.
     */
    private boolean checkImprovementPossible() {
        double lp = settings.lengthPenalty();
        int bestLength = settings.earlyStopping() == EarlyStopping.NEVER && lp > 0 ? settings.maxNewTokens() : steps;
        float bestPossible = runningScores[0] / (float) Math.pow(bestLength, lp);
        float worstFinished = finishedScores[0];
        for (float s : finishedScores) {
            worstFinished = Math.min(worstFinished, s);
        }
        boolean any = false;
        for (int i = 0; i < numBeams; i++) {
            any |= bestPossible > (finished[i] ? worstFinished : IMPOSSIBLE);
        }
        improvementPossible &= any;
        return improvementPossible;
    }

    private boolean allFinished() {
        for (boolean f : finished) {
            if (!f) {
                return false;
            }
        }
        return true;
    }

    /**
     * The num_return_sequences best hypotheses, best first (transformers' sequences and
     * sequences_scores). Only once {@link #isDone()}.
     */
    public List<BeamHypothesis> result() {
        if (!done) {
            throw new IllegalStateException("beam search is not done yet");
        }
        List<BeamHypothesis> out = new ArrayList<>();
        for (int i = 0; i < settings.numReturnSequences(); i++) {
            // A slot is only unfinished when -inf logprobs left fewer real hypotheses than slots;
            // transformers would return its placeholder, this returns the real ones only.
            if (finished[i]) {
                int[] ids = finishedPaths[i].tokens();
                boolean eos = ids.length > 0 && settings.eosTokenIds().contains(ids[ids.length - 1]);
                out.add(new BeamHypothesis(ids, finishedScores[i], eos ? FinishReason.EOS : FinishReason.LENGTH));
            }
        }
        return out;
    }

    private void checkLiveBeam(int beam) {
        if (beam < 0 || beam >= liveBeams()) {
            throw new IndexOutOfBoundsException("live beam " + beam + " of " + liveBeams());
        }
    }
}
