package io.logitstream.worker.engine.generation;

/**
 * A finished beam search hypothesis.
 *
 * @param newIds the generated tokens (the prompt excluded; a final EOS included, as transformers'
 *     sequences)
 * @param score transformers' sequences_scores: the float32 sum of the processed logprobs divided by
 *     newIds.length^length_penalty
 * @param finishReason {@link FinishReason#EOS} when the last token is an EOS id, else {@link FinishReason#LENGTH}
 */
public record BeamHypothesis(int[] newIds, double score, FinishReason finishReason) {
}
