package io.logitstream.worker.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.logitstream.worker.engine.tensor.Torch;

/**
 * Past keys and values of every layer (transformers' {@code past_key_values}), so that decoding
 * one more token costs one token's compute.
 *
 * <p>Each layer keeps a preallocated buffer [B, kvHeads, capacity, headDim] in the cache's own
 * manager; a forward writes its new keys/values in place at {@code [length, length + T)} and
 * attends over a view of {@code [0, length + T)}. Appending is therefore a copy of the new rows
 * only (not of the whole history, as concatenation would be); when the capacity runs out the
 * buffer doubles, up to the model's context length.
 *
 * <p>{@link #length()} advances only when a forward pass completes ({@link #commit}), so a
 * failed forward leaves the cache as it was. Not thread-safe: one sequence batch at a time.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final int maxCapacity;
    private final NDArray[] keys;
    private final NDArray[] values;
    private int capacity;
    private int length;
    private long batch = -1;

    /**
     * @param parent manager whose device the buffers use (a child manager is created)
     * @param numLayers decoder layers
     * @param initialCapacity tokens to reserve (e.g. prompt + max new tokens)
     * @param maxCapacity the model's context length
     */
    public KvCache(NDManager parent, int numLayers, int initialCapacity, int maxCapacity) {
        this.manager = parent.newSubManager();
        this.maxCapacity = maxCapacity;
        this.capacity = Math.max(1, Math.min(initialCapacity, maxCapacity));
        this.keys = new NDArray[numLayers];
        this.values = new NDArray[numLayers];
    }

    /** Tokens already cached (transformers' past length). */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** The batch size fixed by the first forward, or -1 before it. */
    public long batchSize() {
        return batch;
    }

    /**
     * Writes this step's keys/values [B, kvHeads, T, D] for a layer and returns views
     * {keys, values} over all cached positions [B, kvHeads, length + T, D], attached to {@code scope}.
     */
    public NDArray[] append(int layer, NDArray k, NDArray v, NDManager scope) {
        long[] shape = k.getShape().getShape();
        int t = Math.toIntExact(shape[2]);
        int end = length + t;
        if (end > maxCapacity) {
            throw new ContextLengthExceededException(end, maxCapacity);
        }
        if (batch < 0) {
            batch = shape[0];
        } else if (batch != shape[0]) {
            throw new IllegalArgumentException("KV cache holds batch size " + batch + ", forward has " + shape[0]);
        }
        if (keys[layer] == null || end > keys[layer].getShape().get(2)) {
            grow(layer, shape, end, k.getDataType());
        }
        long[] from = {0, 0, length, 0};
        long[] to = {shape[0], shape[1], end, shape[3]};
        Torch.assign(keys[layer], k, from, to);
        Torch.assign(values[layer], v, from, to);
        long[] all = {0, 0, 0, 0};
        return new NDArray[] {Torch.view(keys[layer], all, to, scope), Torch.view(values[layer], all, to, scope)};
    }

    /** Called by the model after all layers appended {@code tokens} new positions. */
    public void commit(int tokens) {
        length += tokens;
    }

    private void grow(int layer, long[] kvShape, int needed, ai.djl.ndarray.types.DataType type) {
        int newCapacity = capacity;
        while (newCapacity < needed) {
            newCapacity = Math.min(maxCapacity, newCapacity * 2);
        }
        capacity = newCapacity;
        Shape shape = new Shape(kvShape[0], kvShape[1], newCapacity, kvShape[3]);
        NDArray newK = Torch.empty(manager, shape, type);
        NDArray newV = Torch.empty(manager, shape, type);
        if (keys[layer] != null) {
            if (length > 0) {
                long[] from = {0, 0, 0, 0};
                long[] to = {kvShape[0], kvShape[1], length, kvShape[3]};
                try (NDManager tmp = manager.newSubManager();
                        NDArray oldK = Torch.view(keys[layer], from, to, tmp);
                        NDArray oldV = Torch.view(values[layer], from, to, tmp)) {
                    Torch.assign(newK, oldK, from, to);
                    Torch.assign(newV, oldV, from, to);
                }
            }
            keys[layer].close();
            values[layer].close();
        }
        keys[layer] = newK;
        values[layer] = newV;
    }

    @Override
    public void close() {
        manager.close();
    }
}
