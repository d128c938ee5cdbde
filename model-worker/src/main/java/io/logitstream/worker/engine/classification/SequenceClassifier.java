package io.logitstream.worker.engine.classification;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.logitstream.worker.engine.CausalLanguageModel;
import io.logitstream.worker.engine.DecoderOnlyModel;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.ForwardOutput;
import io.logitstream.worker.engine.KvCache;
import io.logitstream.worker.engine.ModelLoadException;
import io.logitstream.worker.engine.batch.SlotKvCache;
import io.logitstream.worker.engine.batch.StepLayout;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.tensor.Torch;
import io.logitstream.worker.engine.weights.Checkpoint;
import java.util.List;

/**
 * A {@code *ForSequenceClassification} checkpoint: any supported decoder with transformers'
 * {@code score} head ([num_labels, hidden], no bias) on the final normed hidden states in place of
 * the LM head. Its rows are label logits: {@link #forward} gives [B, K, num_labels] (every
 * position, as transformers computes before pooling) and {@link #forwardStep} [rows, num_labels],
 * so the continuous batcher runs it unchanged; the task picks the pooled row
 * ({@link LastTokenPooling}). The head is computed in fp32.
 */
public final class SequenceClassifier implements CausalLanguageModel {
    private final DecoderOnlyModel decoder;
    private final ModelConfig config;
    private final ClassificationHead head;
    private final NDArray score;

    private SequenceClassifier(DecoderOnlyModel decoder, ModelConfig config, ClassificationHead head, NDArray score) {
        this.decoder = decoder;
        this.config = config;
        this.head = head;
        this.score = score;
    }

    /**
     * Puts the checkpoint's score head on a decoder built from
     * {@link ClassificationHead#decoderConfig}; the classifier owns the decoder from then on.
     */
    public static SequenceClassifier wrap(CausalLanguageModel decoder, ModelConfig config, ClassificationHead head,
            Checkpoint weights) {
        if (!(decoder instanceof DecoderOnlyModel base)) {
            throw new ModelLoadException(head.architecture() + ": model_type " + config.modelType()
                    + " has no hidden-state output for a score head");
        }
        if (!weights.has(ClassificationHead.SCORE_WEIGHT)) {
            throw new ModelLoadException(head.architecture() + " checkpoint has no " + ClassificationHead.SCORE_WEIGHT);
        }
        NDArray w = weights.load(ClassificationHead.SCORE_WEIGHT, base.manager(), head.numLabels(), config.hiddenSize());
        NDArray score = Torch.cast(w, DataType.FLOAT32);
        return new SequenceClassifier(base, config, head, score);
    }

    public ClassificationHead head() {
        return head;
    }

    private NDArray classify(NDArray hidden) {
        return Torch.linear(hidden, score, null);
    }

    @Override
    public ForwardOutput forward(ForwardInput input, NDManager outputManager) {
        try (NDManager scope = decoder.manager().newSubManager()) {
            NDArray logits = classify(decoder.hiddenStates(input, scope));
            logits.attach(outputManager);
            return new ForwardOutput(logits, null, input.cache(), List.of());
        }
    }

    @Override
    public NDArray forwardStep(StepLayout layout, SlotKvCache cache, NDManager outputManager) {
        try (NDManager scope = decoder.manager().newSubManager()) {
            NDArray logits = classify(decoder.hiddenStep(layout, cache, scope));
            logits.attach(outputManager);
            return logits;
        }
    }

    @Override
    public SlotKvCache newSlotCache(int maxSlots) {
        return decoder.newSlotCache(maxSlots);
    }

    @Override
    public boolean prefillChunkingExact() {
        return decoder.prefillChunkingExact();
    }

    @Override
    public KvCache newCache(int capacityHint) {
        return decoder.newCache(capacityHint);
    }

    /** config.json as written (the decoder itself is built with the LM head tied away). */
    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public int contextLength() {
        return decoder.contextLength();
    }

    /** The input vocabulary (token ids the model accepts). */
    @Override
    public int vocabSize() {
        return decoder.vocabSize();
    }

    @Override
    public int outputWidth() {
        return head.numLabels();
    }

    @Override
    public NDManager manager() {
        return decoder.manager();
    }

    @Override
    public void close() {
        decoder.close();
    }
}
