package io.logitstream.worker.engine.layers;

import ai.djl.ndarray.NDArray;
import io.logitstream.worker.engine.KvCache;
import java.util.ArrayList;
import java.util.List;

/**
 * What every decoder layer of one forward pass shares: the additive attention mask, the KV
 * cache (or null), the rotary angles (or null), and a place for MoE router logits. Built once
 * per forward by the model so no layer recomputes them.
 */
public final class LayerContext {
    private final NDArray mask;
    private final KvCache cache;
    private final RotaryEmbedding.Angles rope;
    private final List<NDArray> routerLogits = new ArrayList<>();

    public LayerContext(NDArray mask, KvCache cache, RotaryEmbedding.Angles rope) {
        this.mask = mask;
        this.cache = cache;
        this.rope = rope;
    }

    /** Additive mask [1 or B, 1, T, S], or null when no position needs masking. */
    public NDArray mask() {
        return mask;
    }

    public KvCache cache() {
        return cache;
    }

    public RotaryEmbedding.Angles rope() {
        return rope;
    }

    /** MoE layers add their router logits [B*T, experts] here (the model attaches them to the output). */
    public void addRouterLogits(NDArray logits) {
        routerLogits.add(logits);
    }

    public List<NDArray> routerLogits() {
        return routerLogits;
    }
}
