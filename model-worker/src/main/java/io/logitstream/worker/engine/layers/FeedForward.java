package io.logitstream.worker.engine.layers;

import ai.djl.ndarray.NDArray;

/** The position-wise feed-forward part of a decoder layer (dense MLP, gated MLP, or MoE). */
public interface FeedForward {
    NDArray forward(NDArray x);
}
