package io.logitstream.worker.engine.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * How a {@link Linear} holds its weight matrix [out, in]: in the compute type ({@link FloatWeight})
 * or as int8 with absmax scales ({@link Int8Weight}). Layers never look inside: they call
 * {@link Linear#forward}, and the fused projections ({@link Linear#concat}, {@link Linear#rows},
 * MoE's side-by-side down projections) work for both.
 */
public interface LinearWeight {
    long outFeatures();

    long inFeatures();

    /** {@code x @ W^T + bias} ({@code bias} [out] or null); the result takes {@code x}'s manager. */
    NDArray apply(NDArray x, NDArray bias);

    /** Output rows {@code [from, to)} as a view (no copy) attached to {@code manager}. */
    LinearWeight rows(long from, long to, NDManager manager);

    /** Input columns {@code [from, to)} as a view (no copy) attached to {@code manager}. */
    LinearWeight columns(long from, long to, NDManager manager);

    /** The weight in {@code type} as a plain [out, in] matrix: the array itself or a dequantized copy in {@code manager}. */
    NDArray dense(DataType type, NDManager manager);

    /** The element type the weight matrix is stored in (FLOAT32, FLOAT16 or INT8). */
    DataType storageType();
}
