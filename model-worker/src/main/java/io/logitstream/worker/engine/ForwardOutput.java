package io.logitstream.worker.engine;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * The result of a forward pass: fp32 logits [B, K, vocab] (K = T, or logitsToKeep) in the
 * caller's manager, the mean loss when labels were given, the (updated) cache, and MoE router
 * logits per sparse layer (empty for dense models). Closing it frees the logits.
 */
public record ForwardOutput(NDArray logits, Float loss, KvCache cache, List<NDArray> routerLogits)
        implements AutoCloseable {

    @Override
    public void close() {
        logits.close();
        routerLogits.forEach(NDArray::close);
    }
}
