package io.logitstream.worker.engine;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * The result of a forward pass: fp32 logits [B, K, vocab] (K = T, or logitsToKeep) in the
 * caller's manager, the loss when labels were given, the (updated) cache, and, when router logits
 * were requested from a MoE model ({@link ForwardInput#outputRouterLogits()}), the fp32 router
 * logits [B*T, experts] of each sparse layer (layer indices in
 * {@link CausalLanguageModel#routerLogitLayers()}) and transformers' {@code aux_loss} (the
 * load-balancing loss, unscaled; {@code loss} then includes {@code router_aux_loss_coef * aux_loss},
 * as in transformers). Closing it frees the logits.
 */
public record ForwardOutput(NDArray logits, Float loss, KvCache cache, List<NDArray> routerLogits, Float auxLoss)
        implements AutoCloseable {

    /** An output without router logits. */
    public ForwardOutput(NDArray logits, Float loss, KvCache cache, List<NDArray> routerLogits) {
        this(logits, loss, cache, routerLogits, null);
    }

    @Override
    public void close() {
        logits.close();
        routerLogits.forEach(NDArray::close);
    }
}
