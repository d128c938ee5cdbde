package io.logitstream.worker.engine.layers;

import ai.djl.ndarray.NDArray;

/**
 * RMSNorm as in Llama/Mistral/Qwen2: {@code weight * x / sqrt(mean(x^2) + eps)}, in fp32.
 * (Gemma's {@code (1 + weight)} variant would be a separate class.)
 */
public final class RmsNorm implements Norm {
    private final NDArray weight;
    private final NDArray eps;

    public RmsNorm(NDArray weight, double eps, Scalars scalars) {
        this.weight = weight;
        this.eps = scalars.of((float) eps);
    }

    @Override
    public NDArray forward(NDArray x) {
        try (NDArray sq = x.square();
                NDArray var = sq.mean(new int[] {-1}, true)) {
            Torch.addInPlace(var, eps);
            try (NDArray rms = var.sqrt()) {
                NDArray y = x.div(rms);
                return Torch.mulInPlace(y, weight);
            }
        }
    }
}
