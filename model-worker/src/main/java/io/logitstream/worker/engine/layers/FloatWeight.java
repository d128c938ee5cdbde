package io.logitstream.worker.engine.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.logitstream.worker.engine.tensor.Torch;

/** A weight kept in the compute type: one addmm per forward. */
final class FloatWeight implements LinearWeight {
    private final NDArray weight;

    FloatWeight(NDArray weight) {
        this.weight = weight;
    }

    NDArray array() {
        return weight;
    }

    @Override
    public long outFeatures() {
        return weight.getShape().get(0);
    }

    @Override
    public long inFeatures() {
        return weight.getShape().get(1);
    }

    @Override
    public NDArray apply(NDArray x, NDArray bias) {
        return Torch.linear(x, weight, bias);
    }

    @Override
    public LinearWeight rows(long from, long to, NDManager manager) {
        return new FloatWeight(Torch.narrow(weight, 0, from, to, manager));
    }

    @Override
    public LinearWeight columns(long from, long to, NDManager manager) {
        return new FloatWeight(Torch.narrow(weight, 1, from, to, manager));
    }

    @Override
    public NDArray dense(DataType type, NDManager manager) {
        return Torch.cast(weight, type);
    }

    @Override
    public DataType storageType() {
        return weight.getDataType();
    }
}
