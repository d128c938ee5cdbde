package io.logitstream.worker.engine.layers;

import io.logitstream.worker.engine.tensor.Torch;
import ai.djl.ndarray.NDArray;

/** LayerNorm over the last dimension with learned scale and shift (GPT-2's ln_1, ln_2, ln_f). */
public final class LayerNorm implements Norm {
    private final NDArray gamma;
    private final NDArray beta;
    private final double eps;

    public LayerNorm(NDArray gamma, NDArray beta, double eps) {
        this.gamma = gamma;
        this.beta = beta;
        this.eps = eps;
    }

    @Override
    public NDArray forward(NDArray x) {
        return Torch.layerNorm(x, gamma, beta, eps);
    }
}
