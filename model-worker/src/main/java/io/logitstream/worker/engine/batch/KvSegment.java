package io.logitstream.worker.engine.batch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.tensor.Torch;

/**
 * Keys and values of a run of consecutive token positions, copied out of a KV slot: per layer one
 * [1, kvHeads, length, headDim] tensor for keys and one for values. What the {@link PrefixCache}
 * keeps for each edge of its tree.
 */
final class KvSegment implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;
    private final NDArray[] values;
    private final int length;
    private final long bytes;

    KvSegment(NDManager manager, NDArray[] keys, NDArray[] values, int length, long bytes) {
        this.manager = manager;
        this.keys = keys;
        this.values = values;
        this.length = length;
        this.bytes = bytes;
    }

    int length() {
        return length;
    }

    long bytes() {
        return bytes;
    }

    int layers() {
        return keys.length;
    }

    NDArray keys(int layer) {
        return keys[layer];
    }

    NDArray values(int layer) {
        return values[layer];
    }

    /** Copies of positions [from, to) of this segment, in a manager of their own under {@code parent}. */
    KvSegment slice(NDManager parent, int from, int to) {
        NDManager own = parent.newSubManager();
        NDArray[] k = new NDArray[keys.length];
        NDArray[] v = new NDArray[values.length];
        for (int layer = 0; layer < keys.length; layer++) {
            k[layer] = copy(keys[layer], from, to, own);
            v[layer] = copy(values[layer], from, to, own);
        }
        return new KvSegment(own, k, v, to - from, bytes / length * (to - from));
    }

    private static NDArray copy(NDArray source, int from, int to, NDManager into) {
        long[] shape = source.getShape().getShape();
        try (NDManager tmp = into.newSubManager()) {
            NDArray view = Torch.narrow(source, 2, from, to, tmp);
            NDArray out = Torch.empty(into, view.getShape(), source.getDataType());
            Torch.assign(out, view, new long[] {0, 0, 0, 0}, new long[] {shape[0], shape[1], to - from, shape[3]});
            return out;
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
