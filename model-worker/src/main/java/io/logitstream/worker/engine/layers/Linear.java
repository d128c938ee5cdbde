package io.logitstream.worker.engine.layers;

import io.logitstream.worker.engine.tensor.Torch;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/**
 * An affine projection {@code y = x W^T + b} computed as one addmm.
 *
 * <p>The weight is kept in PyTorch's {@code nn.Linear} layout [out, in]. GPT-2's {@code Conv1D}
 * stores [in, out]; {@link #fromInOut} wraps it as a transposed <em>view</em>, so no weight is
 * copied and the GEMM reads the original memory with a transposed flag.
 */
public final class Linear {
    private final NDArray weight;
    private final NDArray bias;

    private Linear(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.bias = bias;
    }

    /** {@code nn.Linear} layout: weight [out, in], bias [out] or null. */
    public static Linear fromOutIn(NDArray weight, NDArray bias) {
        return new Linear(weight, bias);
    }

    /** {@code Conv1D} layout: weight [in, out], bias [out] or null. */
    public static Linear fromInOut(NDArray weight, NDArray bias) {
        return new Linear(weight.transpose(), bias);
    }

    /**
     * Stacks several projections of the same input into one (e.g. Llama's q/k/v projections), so
     * the forward pass runs one GEMM instead of three. This copies the weights once, at load;
     * the result lives in {@code manager}.
     */
    public static Linear concat(NDManager manager, Linear... parts) {
        NDList ws = new NDList();
        NDList bs = new NDList();
        boolean anyBias = false;
        for (Linear p : parts) {
            ws.add(p.weight);
            anyBias |= p.bias != null;
        }
        NDArray w = NDArrays.concat(ws, 0);
        w.attach(manager);
        NDArray b = null;
        if (anyBias) {
            for (Linear p : parts) {
                bs.add(p.bias != null ? p.bias
                        : manager.zeros(new ai.djl.ndarray.types.Shape(p.outFeatures()), p.weight.getDataType()));
            }
            b = NDArrays.concat(bs, 0);
            b.attach(manager);
        }
        return new Linear(w, b);
    }

    /**
     * The projection restricted to output rows {@code [from, to)}: a view of the weight (and bias),
     * no copy, attached to {@code manager}. E.g. one expert's part of a fused MoE projection.
     */
    public Linear rows(long from, long to, NDManager manager) {
        NDArray w = Torch.narrow(weight, 0, from, to, manager);
        NDArray b = bias == null ? null : Torch.narrow(bias, 0, from, to, manager);
        return new Linear(w, b);
    }

    public NDArray forward(NDArray x) {
        return Torch.linear(x, weight, bias);
    }

    public long inFeatures() {
        return weight.getShape().get(1);
    }

    public long outFeatures() {
        return weight.getShape().get(0);
    }

    public NDArray weight() {
        return weight;
    }

    public NDArray bias() {
        return bias;
    }
}
