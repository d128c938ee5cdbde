package io.logitstream.worker.engine.layers;

import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.tensor.Torch;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * RMSNorm as in Llama/Mistral/Qwen2: {@code weight * (x * rsqrt(mean(x^2) + eps))}, computed in
 * fp32 whatever the compute type (transformers' {@code LlamaRMSNorm}), with the same op order:
 * rsqrt is {@code 1 / sqrt} exactly as torch's CPU kernel computes it, so fp32 results agree
 * bit for bit. (Gemma's {@code (1 + weight)} variant would be a separate class.)
 */
public final class RmsNorm implements Norm {
    private final NDArray weight;
    private final NDArray eps;
    private final NDArray one;

    public RmsNorm(NDArray weight, double eps, Scalars scalars) {
        this.weight = weight;
        this.eps = scalars.of((float) eps);
        this.one = scalars.of(1f);
    }

    @Override
    public NDArray forward(NDArray x) {
        DataType type = x.getDataType();
        NDArray x32 = Torch.cast(x, DataType.FLOAT32);
        try (NDArray sq = x32.square();
                NDArray var = sq.mean(new int[] {-1}, true)) {
            Torch.addInPlace(var, eps);
            try (NDArray rms = var.sqrt();
                    NDArray inv = one.div(rms)) {
                NDArray y = x32.mul(inv);
                if (type != DataType.FLOAT32) {
                    NDArray cast = y.toType(type, false);
                    y.close();
                    x32.close();
                    y = cast;
                }
                // results of (scalar, tensor) ops join the scalar's manager: move them to x's
                y.attach(x.getManager());
                return Torch.mulInPlace(y, weight);
            }
        }
    }
}
