package io.logitstream.worker.engine.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.concurrent.ConcurrentHashMap;

/**
 * 0-d fp32 constants that live as long as the model. DJL's {@code x.mul(2f)} creates a fresh
 * scalar tensor on every call (~10 µs through JNI, more than the op itself on decode-sized
 * tensors); reusing one tensor per constant keeps the hot path to one native call per op.
 */
public final class Scalars {
    private final NDManager manager;
    private final ConcurrentHashMap<Float, NDArray> cache = new ConcurrentHashMap<>();

    public Scalars(NDManager manager) {
        this.manager = manager;
    }

    public NDArray of(float value) {
        return cache.computeIfAbsent(value, v -> manager.create(v.floatValue()));
    }

    /** The most negative fp32, used as "masked" like transformers' {@code torch.finfo(dtype).min}. */
    public NDArray maskValue() {
        return of(-Float.MAX_VALUE);
    }

    /** {@code torch.finfo(type).min}: the "masked" value for scores of that type (fp16: -65504). */
    public NDArray maskValue(ai.djl.ndarray.types.DataType type) {
        return type == ai.djl.ndarray.types.DataType.FLOAT16 ? of(-65504f) : maskValue();
    }
}
