package io.logitstream.worker.engine.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The few PyTorch kernels the engine needs that DJL's generic NDArray API either lacks or reaches
 * only through extra copies: fused {@code linear} (addmm with bias), {@code layer_norm},
 * {@code embedding}, strided views and in-place slice assignment.
 *
 * <p>All of them go straight to DJL's PyTorch JNI, which is the only engine LogitStream runs on.
 * Keeping the casts here means the rest of the engine stays on the plain {@link NDArray} API.
 *
 * <p>Manager rule (DJL's): a result is attached to the manager of the first tensor argument, so
 * callers pass the per-forward activation first and the long-lived weight second.
 */
public final class Torch {
    private static final String VIEW = "logitstream.view";

    private Torch() {
    }

    public static PtNDArray pt(NDArray a) {
        return (PtNDArray) a;
    }

    /** {@code x @ weight^T + bias} in one addmm; {@code weight} is [out, in] (a transposed view is fine). */
    public static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return JniUtils.linear(pt(x), pt(weight), bias == null ? null : pt(bias));
    }

    /** LayerNorm over the last dimension. */
    public static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta, double eps) {
        Shape last = new Shape(x.getShape().get(x.getShape().dimension() - 1));
        return JniUtils.layerNorm(pt(x), last, pt(gamma), pt(beta), eps);
    }

    /** Rows of {@code table} selected by integer {@code ids}; the result takes the ids' manager. */
    public static NDArray embedding(NDArray ids, NDArray table) {
        return JniUtils.embedding(pt(ids), pt(table), false);
    }

    /**
     * A view (no copy) of {@code a[from[0]:to[0], from[1]:to[1], ...]}, attached to {@code scope}.
     * {@code from} and {@code to} must name every dimension.
     */
    public static NDArray view(NDArray a, long[] from, long[] to, NDManager scope) {
        long[] step = new long[from.length];
        java.util.Arrays.fill(step, 1L);
        return markView(JniUtils.index(pt(a), from, to, step, (PtNDManager) scope));
    }

    /**
     * Names {@code a} as a view of another tensor's memory, so that memory accounting
     * ({@code WeightMemory}) does not count its bytes twice. Returns {@code a}.
     */
    public static NDArray markView(NDArray a) {
        a.setName(VIEW);
        return a;
    }

    /** Whether {@code a} was made by {@link #view}, {@link #narrow} or marked by {@link #markView}. */
    public static boolean isView(NDArray a) {
        return VIEW.equals(a.getName());
    }

    /** A view of {@code a} restricted to {@code [from, to)} along one axis. */
    public static NDArray narrow(NDArray a, int axis, long from, long to, NDManager scope) {
        long[] shape = a.getShape().getShape();
        long[] lo = new long[shape.length];
        long[] hi = shape.clone();
        lo[axis] = from;
        hi[axis] = to;
        return view(a, lo, hi, scope);
    }

    /** In place: {@code target[from:to] = value} (value shaped like the slice). */
    public static void assign(NDArray target, NDArray value, long[] from, long[] to) {
        long[] step = new long[from.length];
        java.util.Arrays.fill(step, 1L);
        JniUtils.indexSet(pt(target), pt(value), from, to, step);
    }

    /** Uninitialised fp32 storage (torch.empty): for buffers that are written before being read. */
    public static NDArray empty(NDManager manager, Shape shape) {
        return empty(manager, shape, DataType.FLOAT32);
    }

    /** Uninitialised storage of a given type (torch.empty). */
    public static NDArray empty(NDManager manager, Shape shape, DataType type) {
        return manager.create(shape, type);
    }

    /** {@code a[index]} along the first axis (torch.index_select(a, 0, index)); result in {@code a}'s manager. */
    public static NDArray rows(NDArray a, NDArray index) {
        return a.get(new NDIndex("{}", index));
    }

    /** {@code torch.sigmoid(x)}: a new tensor in {@code x}'s manager. */
    public static NDArray sigmoid(NDArray x) {
        return JniUtils.sigmoid(pt(x));
    }

    /** {@code x} in {@code type}: {@code x} itself when it already has that type, else a converted copy. */
    public static NDArray cast(NDArray x, DataType type) {
        return x.getDataType() == type ? x : x.toType(type, false);
    }

    /** Softmax over {@code axis} in fp32. */
    public static NDArray softmax(NDArray x, int axis) {
        return JniUtils.softmax(pt(x), axis, DataType.FLOAT32);
    }

    /** Log-softmax over {@code axis} in fp32. */
    public static NDArray logSoftmax(NDArray x, int axis) {
        return JniUtils.logSoftmax(pt(x), axis, DataType.FLOAT32);
    }

    /** {@code torch.where(cond, a, b)}, broadcasting; the result takes {@code a}'s manager. */
    public static NDArray where(NDArray cond, NDArray a, NDArray b) {
        return JniUtils.where(pt(cond), pt(a), pt(b));
    }

    /** In place: {@code x += y} (broadcasting y). */
    public static NDArray addInPlace(NDArray x, NDArray y) {
        JniUtils.addi(pt(x), pt(y));
        return x;
    }

    /** In place: {@code x /= y} (broadcasting y). */
    public static NDArray divInPlace(NDArray x, NDArray y) {
        JniUtils.divi(pt(x), pt(y));
        return x;
    }

    /** In place: {@code x *= y} (broadcasting y). */
    public static NDArray mulInPlace(NDArray x, NDArray y) {
        JniUtils.muli(pt(x), pt(y));
        return x;
    }
}
