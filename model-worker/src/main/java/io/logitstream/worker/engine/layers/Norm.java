package io.logitstream.worker.engine.layers;

import ai.djl.ndarray.NDArray;

/** A normalisation over the hidden dimension (LayerNorm, RMSNorm). */
public interface Norm {
    NDArray forward(NDArray x);
}
