package io.logitstream.worker.engine.generation;

import java.util.Objects;
import java.util.Set;

/**
 * One request's beam search parameters, named and defaulted as in transformers.
 *
 * @param numBeams beams kept per step (at least 2; num_beams = 1 is greedy decoding, see {@link Generator})
 * @param lengthPenalty a finished hypothesis scores sum_logprobs / generated_length^lengthPenalty,
 *     where generated_length counts the new tokens only (EOS included, the prompt not), as
 *     transformers 5 does; > 0 favours longer hypotheses, < 0 shorter ones
 * @param earlyStopping when the search may stop before max_new_tokens
 * @param numReturnSequences how many of the best hypotheses to return (1..numBeams)
 * @param maxNewTokens the longest a hypothesis can get; the caller bounds it by the context length
 * @param eosTokenIds tokens that finish a hypothesis (may be empty: only max_new_tokens ends one);
 *     their count also sets how many candidates are kept per step, (max(1, count) + 1) x numBeams
 */
public record BeamSettings(int numBeams, double lengthPenalty, EarlyStopping earlyStopping,
        int numReturnSequences, int maxNewTokens, Set<Integer> eosTokenIds) {

    public BeamSettings {
        if (numBeams < 2) {
            throw new IllegalArgumentException("beam search needs num_beams >= 2, got " + numBeams);
        }
        if (!Double.isFinite(lengthPenalty)) {
            throw new IllegalArgumentException("length_penalty must be finite, got " + lengthPenalty);
        }
        Objects.requireNonNull(earlyStopping, "earlyStopping");
        if (numReturnSequences < 1 || numReturnSequences > numBeams) {
            throw new IllegalArgumentException("num_return_sequences must be in [1, num_beams = " + numBeams
                    + "], got " + numReturnSequences);
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max_new_tokens must be >= 1, got " + maxNewTokens);
        }
        eosTokenIds = Set.copyOf(eosTokenIds);
    }

    /** transformers' defaults: length_penalty 1.0, early_stopping False, one returned sequence. */
    public static BeamSettings of(int numBeams, int maxNewTokens, Set<Integer> eosTokenIds) {
        return new BeamSettings(numBeams, 1.0, EarlyStopping.HEURISTIC, 1, maxNewTokens, eosTokenIds);
    }

    /** Candidates kept per step: enough that num_beams survive even if the best ones all end in EOS. */
    int beamsToKeep() {
        return Math.max(2, 1 + eosTokenIds.size()) * numBeams;
    }
}
