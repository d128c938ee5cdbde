package io.logitstream.worker.engine.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.KvCache;
import io.logitstream.worker.engine.batch.SlotBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * What every decoder layer of one forward pass shares: the additive attention masks (full causal
 * and, for models with sliding-window layers, the windowed one), the KV cache (or null), the
 * rotary angles (or null), and a place for MoE router logits. Built once per forward by the
 * model so no layer recomputes them.
 */
public final class LayerContext {
    private final NDArray mask;
    private final NDArray slidingMask;
    private final KvCache cache;
    private final RotaryEmbedding.Angles rope;
    private final NDManager outputScope;
    private final boolean collectRouterLogits;
    private final List<NDArray> routerLogits = new ArrayList<>();
    private SlotBatch slotBatch;

    /** A context with one mask for every layer (no sliding-window layers). */
    public LayerContext(NDArray mask, KvCache cache, RotaryEmbedding.Angles rope) {
        this(mask, mask, cache, rope, null, true);
    }

    /**
     * @param mask the causal (+ padding) mask of full-attention layers, or null when nothing is masked
     * @param slidingMask the mask of sliding-window layers (or null when nothing is masked)
     * @param outputScope the forward pass's manager: router logits are moved there so they outlive
     *     the layer's temporaries (null: they stay where the layer made them)
     * @param collectRouterLogits whether MoE layers should report their router logits
     */
    public LayerContext(NDArray mask, NDArray slidingMask, KvCache cache, RotaryEmbedding.Angles rope,
            NDManager outputScope, boolean collectRouterLogits) {
        this.collectRouterLogits = collectRouterLogits;
        this.mask = mask;
        this.slidingMask = slidingMask;
        this.cache = cache;
        this.rope = rope;
        this.outputScope = outputScope;
    }

    /** Additive mask [1 or B, 1, T, S] of full-attention layers, or null when no position needs masking. */
    public NDArray mask() {
        return mask;
    }

    /** The mask of a full-attention ({@code sliding=false}) or sliding-window layer. */
    public NDArray mask(boolean sliding) {
        return sliding ? slidingMask : mask;
    }

    public KvCache cache() {
        return cache;
    }

    /** A context for one continuous-batching step: attention goes through the slot cache. */
    public static LayerContext forStep(SlotBatch batch, RotaryEmbedding.Angles rope, NDManager outputScope) {
        LayerContext ctx = new LayerContext(null, null, null, rope, outputScope, false);
        ctx.slotBatch = batch;
        return ctx;
    }

    /** The step's slot batch, or null for a plain (padded) forward. */
    public SlotBatch slotBatch() {
        return slotBatch;
    }

    public RotaryEmbedding.Angles rope() {
        return rope;
    }

    /** Whether MoE layers should report their router logits (transformers' {@code output_router_logits}). */
    public boolean collectsRouterLogits() {
        return collectRouterLogits;
    }

    /**
     * MoE layers add their router logits [B*T, experts] here, in layer order (the model attaches
     * them to the output).
     */
    public void addRouterLogits(NDArray logits) {
        if (outputScope != null) {
            logits.attach(outputScope);
        }
        routerLogits.add(logits);
    }

    public List<NDArray> routerLogits() {
        return routerLogits;
    }
}
