package io.logitstream.worker.engine.layers;

import ai.djl.ndarray.NDArray;

/** The position-wise feed-forward part of a decoder layer (dense MLP, gated MLP, or MoE). */
public interface FeedForward {
    NDArray forward(NDArray x);

    /**
     * The forward pass with the layer's context; MoE blocks override it to report their router
     * logits ({@link LayerContext#addRouterLogits}). Dense blocks ignore the context.
     */
    default NDArray forward(NDArray x, LayerContext ctx) {
        return forward(x);
    }
}
