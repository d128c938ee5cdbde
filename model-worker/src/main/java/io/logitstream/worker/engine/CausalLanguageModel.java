package io.logitstream.worker.engine;

import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.config.ModelConfig;

/**
 * A decoder-only language model with transformers' forward semantics (see {@link ForwardInput}).
 * One implementation per architecture; all share the layers in {@code engine.layers}.
 *
 * <p>Not thread-safe: a model serves one forward at a time (the worker batches requests instead).
 */
public interface CausalLanguageModel extends AutoCloseable {

    /**
     * Runs the model. Temporaries are freed before returning; the logits (and router logits) are
     * attached to {@code outputManager}, which the caller closes.
     *
     * @throws ContextLengthExceededException when past + new tokens exceed {@link #contextLength()}
     */
    ForwardOutput forward(ForwardInput input, NDManager outputManager);

    /**
     * One continuous-batching step over sequences that each own a slot of {@code cache} (see
     * {@link io.logitstream.worker.engine.batch.StepLayout}); returns fp32 logits
     * [layout.logitRowCount(), vocab] in {@code outputManager}.
     */
    ai.djl.ndarray.NDArray forwardStep(io.logitstream.worker.engine.batch.StepLayout layout,
            io.logitstream.worker.engine.batch.SlotKvCache cache, NDManager outputManager);

    /** The KV cache of a running batch of at most {@code maxSlots} sequences. */
    io.logitstream.worker.engine.batch.SlotKvCache newSlotCache(int maxSlots);

    /**
     * Whether a prompt fed in several chunks gets the same logits as in one forward. False for
     * dynamic NTK rope, whose frequencies depend on the length of each forward.
     */
    default boolean prefillChunkingExact() {
        return true;
    }

    /** A cache sized for {@code capacityHint} positions (it grows if needed, up to the context length). */
    KvCache newCache(int capacityHint);

    ModelConfig config();

    /** The most positions a sequence may use: {@code n_positions} / {@code max_position_embeddings}. */
    int contextLength();

    int vocabSize();

    /**
     * The width of each row {@link #forwardStep} returns: the vocabulary for an LM head, the number
     * of labels for a sequence-classification head.
     */
    default int outputWidth() {
        return vocabSize();
    }

    /**
     * The layer index of each entry of {@link ForwardOutput#routerLogits()}, in the same order
     * (the sparse MoE layers; empty for dense models).
     */
    default java.util.List<Integer> routerLogitLayers() {
        return java.util.List.of();
    }

    /** The manager that owns the weights; use {@code manager().newSubManager()} for outputs. */
    NDManager manager();

    /** Frees the weights. */
    @Override
    void close();
}
