package io.logitstream.worker.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.logitstream.worker.engine.batch.SlotBatch;
import io.logitstream.worker.engine.batch.SlotKvCache;
import io.logitstream.worker.engine.batch.StepLayout;
import io.logitstream.worker.engine.config.ModelConfig;
import io.logitstream.worker.engine.layers.AttentionMask;
import io.logitstream.worker.engine.layers.LayerContext;
import io.logitstream.worker.engine.layers.RotaryEmbedding;
import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.tensor.Torch;
import java.util.ArrayList;
import java.util.List;

/**
 * The forward pass every decoder-only architecture shares: validate the input, derive position
 * ids and the attention mask once, embed, run the layers, keep the last k positions, final norm,
 * LM head, loss. An architecture supplies only the parts that differ ({@link #embed},
 * {@link #layer}, {@link #finalNorm}, {@link #lmHead}, optionally {@link #rotary},
 * {@link #slidingWindow} / {@link #isSlidingLayer} and, for MoE models, the router-logit hooks).
 * {@link #hiddenStates} and {@link #hiddenStep} stop before the LM head, for other heads.
 *
 * <p>Masks: one additive causal + padding mask for full-attention layers and, when some layer
 * slides, one windowed mask, both built once per forward. Rotary angles are computed once per
 * forward too (for dynamic NTK rope from the batch's {@code max(position_ids) + 1}). Weights and
 * activations are in {@link #dtype} (fp32 on CPU, fp16 on GPU); logits and loss are fp32.
 *
 * <p>Memory: each forward runs in a child manager of the weights' manager, and each layer in a
 * child of that; a layer's input and temporaries are freed as soon as its output exists, so
 * peak memory is one layer's activations, not all of them.
 */
public abstract class DecoderOnlyModel implements CausalLanguageModel {
    protected final ModelConfig config;
    protected final NDManager manager;
    protected final Scalars scalars;
    /** The type of weights and activations: fp32 on CPU, fp16 on GPU. Logits are always fp32. */
    protected final DataType dtype;

    protected DecoderOnlyModel(ModelConfig config, NDManager manager) {
        this(config, manager, DataType.FLOAT32);
    }

    protected DecoderOnlyModel(ModelConfig config, NDManager manager, DataType dtype) {
        this.config = config;
        this.manager = manager;
        this.scalars = new Scalars(manager);
        this.dtype = dtype;
    }

    /** Token (and, for GPT-2, position) embeddings [B, T, hidden], in {@code ids}' manager. */
    protected abstract NDArray embed(NDArray ids, NDArray positionIds);

    protected abstract int numLayers();

    /** Decoder layer {@code i}; returns the new hidden states in {@code hidden}'s manager. */
    protected abstract NDArray layer(int i, NDArray hidden, LayerContext ctx);

    protected abstract NDArray finalNorm(NDArray hidden);

    /** Hidden [B, K, hidden] to fp32 logits [B, K, vocab]. */
    protected abstract NDArray lmHead(NDArray hidden);

    /** The rotary embedding, or null for learned absolute positions. */
    protected RotaryEmbedding rotary() {
        return null;
    }

    /** The attention window of the sliding-window layers, or null when every layer attends fully. */
    protected Integer slidingWindow() {
        return null;
    }

    /** Whether layer {@code i} uses the sliding window (default: all layers when there is a window). */
    protected boolean isSlidingLayer(int i) {
        return slidingWindow() != null;
    }

    @Override
    public final ForwardOutput forward(ForwardInput in, NDManager outputManager) {
        return forward(in, outputManager, false);
    }

    /**
     * The final hidden states (after the final norm, before the LM head) as fp32 [B, K, hidden] in
     * {@code outputManager}, with {@link #forward}'s input semantics ({@code logitsToKeep} picks the
     * positions; labels are ignored): what a head other than the LM head (a sequence
     * classification {@code score}) reads.
     */
    public final NDArray hiddenStates(ForwardInput in, NDManager outputManager) {
        return forward(in, outputManager, true).logits();
    }

    private ForwardOutput forward(ForwardInput in, NDManager outputManager, boolean headless) {
        KvCache cache = in.cache();
        int past = cache == null ? 0 : cache.length();
        int batch = in.batchSize();
        int t = in.length();
        if (past + t > contextLength()) {
            throw new ContextLengthExceededException(past + t, contextLength());
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray ids = scope.create(flatten(in.inputIds()), new Shape(batch, t));
            long[][] positions = in.positionIds() != null ? in.positionIds()
                    : AttentionMask.positionIds(in.attentionMask(), batch, past, t);
            NDArray positionIds = scope.create(flatten(positions), new Shape(batch, t));
            boolean anyFull = hasFullAttentionLayer();
            boolean anySliding = hasSlidingLayer();
            NDArray mask = anyFull
                    ? AttentionMask.build(scope, scalars, in.attentionMask(), past, t, null, dtype) : null;
            NDArray slidingMask = anySliding
                    ? AttentionMask.build(scope, scalars, in.attentionMask(), past, t, slidingWindow(), dtype) : null;
            RotaryEmbedding rope = rotary();
            RotaryEmbedding.Angles angles = null;
            if (rope != null) {
                // transformers' seq_len for dynamic rope: max(position_ids) + 1 over the whole batch
                angles = rope.angles(positionIds, rope.isDynamic() ? max(positions) + 1 : 0, dtype);
            }
            boolean routers = in.outputRouterLogits() != null ? in.outputRouterLogits() : outputRouterLogitsByDefault();
            LayerContext ctx = new LayerContext(mask, slidingMask, cache, angles, scope, routers);

            NDArray hidden = runLayers(EmbeddingReplacements.of(in, past, t).apply(embed(ids, positionIds), scope),
                    ctx, scope);
            if (cache != null) {
                cache.commit(t);
            }
            int keep = in.logitsToKeep();
            if (keep > 0 && keep < t) {
                hidden = Torch.narrow(hidden, 1, t - keep, t, scope);
            }
            hidden = finalNorm(hidden);
            if (headless) {
                NDArray out = Torch.cast(hidden, DataType.FLOAT32);
                out.attach(outputManager);
                return new ForwardOutput(out, null, cache, List.of());
            }
            NDArray logits = Torch.cast(lmHead(hidden), DataType.FLOAT32);
            Float loss = in.labels() == null ? null : loss(logits, in.labels(), scope);
            Float aux = null;
            if (routers && !ctx.routerLogits().isEmpty()) {
                aux = routerAuxLoss(ctx.routerLogits(), tokenMask(in.attentionMask(), batch, t), scope);
                if (loss != null && aux != null) {
                    loss = loss + (float) routerAuxLossCoef() * aux;
                }
            }
            logits.attach(outputManager);
            List<NDArray> routerLogits = new ArrayList<>(ctx.routerLogits());
            routerLogits.forEach(r -> r.attach(outputManager));
            return new ForwardOutput(logits, loss, cache, routerLogits, aux);
        }
    }

    /**
     * One continuous-batching step: every sequence of {@code layout} appends its tokens to its slot
     * of {@code cache}; returns fp32 logits [rows, vocab] of the rows the layout asks for
     * ({@link StepLayout#logitIndex()}, in that order) in {@code outputManager}. Each sequence's
     * logits equal those of running it alone.
     */
    @Override
    public final NDArray forwardStep(StepLayout layout, SlotKvCache cache, NDManager outputManager) {
        return forwardStep(layout, cache, outputManager, false);
    }

    /**
     * {@link #forwardStep} that stops before the LM head: fp32 final hidden states (after the final
     * norm) [rows, hidden] of the rows the layout asks for, in that order, in {@code outputManager}.
     */
    public final NDArray hiddenStep(StepLayout layout, SlotKvCache cache, NDManager outputManager) {
        return forwardStep(layout, cache, outputManager, true);
    }

    private NDArray forwardStep(StepLayout layout, SlotKvCache cache, NDManager outputManager, boolean headless) {
        cache.ensureCapacity(layout.maxEnd());
        int n = layout.totalTokens();
        try (NDManager scope = manager.newSubManager()) {
            NDArray ids = scope.create(layout.flatTokens(), new Shape(1, n));
            NDArray positionIds = scope.create(layout.flatPositions(), new Shape(1, n));
            SlotBatch batch = new SlotBatch(layout, cache, scope, scalars, dtype, hasFullAttentionLayer(),
                    hasSlidingLayer() ? slidingWindow() : null);
            RotaryEmbedding rope = rotary();
            RotaryEmbedding.Angles angles = rope == null ? null : stepAngles(rope, layout, positionIds);
            NDArray hidden = runLayers(EmbeddingReplacements.of(layout).apply(embed(ids, positionIds), scope),
                    LayerContext.forStep(batch, angles, scope), scope);
            cache.commit(layout);
            int rows = layout.logitRowCount();
            long width = hidden.getShape().get(2);
            if (rows == 0) {
                return outputManager.create(new Shape(0, headless ? width : vocabSize()), DataType.FLOAT32);
            }
            NDArray picked = Torch.rows(hidden.reshape(n, width), scope.create(
                    java.util.Arrays.stream(layout.logitIndex()).mapToLong(i -> i).toArray())).reshape(1, rows, width);
            NDArray normed = finalNorm(picked);
            NDArray out = headless ? Torch.cast(normed, DataType.FLOAT32).reshape(rows, width)
                    : Torch.cast(lmHead(normed), DataType.FLOAT32).reshape(rows, vocabSize());
            out.attach(outputManager);
            return out;
        }
    }

    /**
     * Rotary angles of a step. Dynamic NTK rope picks its frequencies from each sequence's own
     * length (transformers' max(position_ids) + 1 of that sequence's forward), so sequences of
     * different lengths get angles computed separately.
     */
    private RotaryEmbedding.Angles stepAngles(RotaryEmbedding rope, StepLayout layout, NDArray positionIds) {
        if (!rope.isDynamic()) {
            return rope.angles(positionIds, 0, dtype);
        }
        NDManager scope = positionIds.getManager();
        NDList cos = new NDList();
        NDList sin = new NDList();
        int offset = 0;
        for (StepLayout.Entry e : layout.entries()) {
            int t = e.tokens().length;
            NDArray part = Torch.narrow(positionIds, 1, offset, offset + t, scope);
            RotaryEmbedding.Angles a = rope.angles(part, e.past() + t, dtype);
            cos.add(a.cos());
            sin.add(a.signedSin());
            offset += t;
        }
        return new RotaryEmbedding.Angles(NDArrays.concat(cos, 2), NDArrays.concat(sin, 2));
    }

    /** Runs every decoder layer, each in its own scope so its temporaries die with it. */
    private NDArray runLayers(NDArray hidden, LayerContext ctx, NDManager scope) {
        for (int i = 0; i < numLayers(); i++) {
            try (NDManager layerScope = scope.newSubManager()) {
                hidden.attach(layerScope);
                NDArray next = layer(i, hidden, ctx);
                next.attach(scope);
                hidden = next;
            }
        }
        return hidden;
    }

    private boolean hasFullAttentionLayer() {
        for (int i = 0; i < numLayers(); i++) {
            if (!isSlidingLayer(i)) {
                return true;
            }
        }
        return false;
    }

    private boolean hasSlidingLayer() {
        for (int i = 0; i < numLayers(); i++) {
            if (isSlidingLayer(i)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean prefillChunkingExact() {
        return rotary() == null || !rotary().isDynamic();
    }

    @Override
    public SlotKvCache newSlotCache(int maxSlots) {
        return new SlotKvCache(manager, numLayers(), config.numKvHeads(), config.headDim(), dtype, maxSlots,
                contextLength());
    }

    /** config.json's {@code output_router_logits} for MoE models (false for dense ones). */
    protected boolean outputRouterLogitsByDefault() {
        return false;
    }

    /**
     * The auxiliary (load-balancing) loss of MoE models from the router logits of the sparse
     * layers, unscaled, or null for dense models.
     *
     * @param tokenMask [B*T] 1 for real tokens, 0 for padding, or null without padding
     */
    protected Float routerAuxLoss(List<NDArray> routerLogits, float[] tokenMask, NDManager scope) {
        return null;
    }

    /** The weight of {@link #routerAuxLoss} in the loss ({@code router_aux_loss_coef}). */
    protected double routerAuxLossCoef() {
        return 0;
    }

    /** The current tokens' columns of the attention mask, flattened, or null when nothing is padded. */
    private static float[] tokenMask(int[][] mask, int batch, int t) {
        if (mask == null) {
            return null;
        }
        float[] flat = new float[batch * t];
        boolean padded = false;
        for (int b = 0; b < batch; b++) {
            int offset = mask[b].length - t;
            for (int i = 0; i < t; i++) {
                flat[b * t + i] = mask[b][offset + i] != 0 ? 1f : 0f;
                padded |= mask[b][offset + i] == 0;
            }
        }
        return padded ? flat : null;
    }

    /** transformers' causal-LM loss: mean NLL of labels[:, 1:] given logits[:, :-1], ignoring -100. */
    private static Float loss(NDArray logits, int[][] labels, NDManager scope) {
        int batch = labels.length;
        int t = labels[0].length;
        if (t < 2) {
            return Float.NaN;
        }
        long[] targets = new long[batch * (t - 1)];
        float[] weights = new float[batch * (t - 1)];
        for (int b = 0; b < batch; b++) {
            for (int i = 1; i < t; i++) {
                int label = labels[b][i];
                boolean used = label != ForwardInput.IGNORE_INDEX;
                targets[b * (t - 1) + i - 1] = used ? label : 0;
                weights[b * (t - 1) + i - 1] = used ? 1f : 0f;
            }
        }
        NDArray shifted = Torch.narrow(logits, 1, 0, t - 1, scope);
        NDArray logProbs = Torch.logSoftmax(shifted, -1);
        NDArray picked = logProbs.gather(scope.create(targets, new Shape(batch, t - 1, 1)), 2)
                .reshape(batch, t - 1);
        NDArray w = scope.create(weights, new Shape(batch, t - 1));
        float count = w.sum().getFloat();
        if (count == 0f) {
            return Float.NaN;
        }
        return -picked.mul(w).sum().getFloat() / count;
    }

    private static long max(long[][] rows) {
        long m = 0;
        for (long[] row : rows) {
            for (long v : row) {
                m = Math.max(m, v);
            }
        }
        return m;
    }

    private static long[] flatten(int[][] rows) {
        long[] flat = new long[rows.length * rows[0].length];
        int k = 0;
        for (int[] row : rows) {
            for (int v : row) {
                flat[k++] = v;
            }
        }
        return flat;
    }

    private static long[] flatten(long[][] rows) {
        long[] flat = new long[rows.length * rows[0].length];
        int k = 0;
        for (long[] row : rows) {
            for (long v : row) {
                flat[k++] = v;
            }
        }
        return flat;
    }

    @Override
    public KvCache newCache(int capacityHint) {
        return new KvCache(manager, numLayers(), capacityHint, contextLength());
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public int contextLength() {
        return config.maxPositions();
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
