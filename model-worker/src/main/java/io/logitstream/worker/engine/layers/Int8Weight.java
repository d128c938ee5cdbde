package io.logitstream.worker.engine.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.logitstream.worker.engine.tensor.Torch;
import java.util.List;

/**
 * A weight stored as int8 with absmax scales: {@code W[o, i] ~= q[o, i] * absmax[o, g(i)] / 127},
 * LLM.int8's vector-wise weight quantization (bitsandbytes' {@code int8_vectorwise_quant}: the
 * row's absmax is its {@code SCB}, {@code q = round(w * 127 / SCB)}) <em>without</em> the outlier
 * decomposition: activations stay in the compute type, only the weight is 8-bit.
 *
 * <p>Normally one scale per output row ({@code groups == 1}). Concatenating along the input
 * dimension (MoE's side-by-side down projections) keeps each part's scales, so a row then has one
 * scale per column group of equal width.
 *
 * <p>Forward: only the int8 matrix stays resident. Each call widens it to the activation's type
 * in a temporary that is freed before returning; with one scale per row on fp32 the GEMM runs on
 * the integers and the output columns are scaled ({@code y = (x q^T) * absmax/127 + b}, out
 * multiplications instead of out*in); otherwise (fp16, where {@code x q^T} could overflow, or
 * column groups) the temporary is dequantized before the GEMM.
 */
public final class Int8Weight implements LinearWeight {
    private final NDArray q;
    /** absmax / 127 as [out, groups], in the compute type. */
    private final NDArray step;
    private final long groupWidth;

    private Int8Weight(NDArray q, NDArray step, long groupWidth) {
        this.q = q;
        this.step = step;
        this.groupWidth = groupWidth;
    }

    /**
     * Quantizes a float weight [out, in] (any strides, fp32 or fp16) row-wise, the bitsandbytes
     * way: {@code absmax = max|w|} per row, {@code q = round(w * (127 / absmax))}. An all-zero row
     * gets q = 0 and scale 0. The result lives in {@code manager}; {@code w} is left as it is.
     */
    public static Int8Weight quantize(NDArray w, DataType computeType, NDManager manager) {
        long out = w.getShape().get(0);
        try (NDManager tmp = manager.newSubManager()) {
            NDArray f = w.toType(DataType.FLOAT32, true);
            f.attach(tmp);
            NDArray absmax = f.abs().max(new int[] {1});
            // bitsandbytes writes `127.0 / row_stats`, which torch evaluates as reciprocal(row_stats) * 127;
            // the same two roundings here, since a plain 127 / absmax can differ by an ulp and flip a
            // round-half-to-even tie (w = absmax / 2 is common in bf16 checkpoints)
            NDArray reciprocal = tmp.ones(absmax.getShape()).div(absmax.maximum(Float.MIN_NORMAL));
            NDArray ratio = reciprocal.mul(127f).reshape(out, 1);
            NDArray q = f.mul(ratio).round().clip(-127, 127).toType(DataType.INT8, false);
            NDArray step = absmax.div(127f).toType(computeType, false).reshape(out, 1);
            q.attach(manager);
            step.attach(manager);
            return new Int8Weight(q, step, w.getShape().get(1));
        }
    }

    /**
     * A weight already quantized, as bitsandbytes saves it: {@code weight} int8 [out, in] and
     * {@code SCB} fp32 [out] (the row absmax). Both are kept: {@code q} as given, the scales as
     * {@code SCB / 127} in the compute type, in {@code manager}.
     */
    public static Int8Weight fromAbsmax(NDArray q, NDArray absmax, DataType computeType, NDManager manager) {
        long out = q.getShape().get(0);
        if (q.getDataType() != DataType.INT8 || absmax.getShape().size() != out) {
            throw new IllegalArgumentException("int8 weight " + q.getShape() + " " + q.getDataType()
                    + " needs one absmax per output row, got " + absmax.getShape());
        }
        try (NDManager tmp = manager.newSubManager()) {
            NDArray f = absmax.toType(DataType.FLOAT32, true);
            f.attach(tmp);
            NDArray step = f.div(127f).toType(computeType, false).reshape(out, 1);
            step.attach(manager);
            q.attach(manager);
            return new Int8Weight(q, step, q.getShape().get(1));
        }
    }

    /** Parts with the same input width (and column groups) stacked along the output rows, copied into {@code manager}. */
    static Int8Weight concatRows(NDManager manager, List<Int8Weight> parts) {
        long width = parts.get(0).groupWidth;
        for (Int8Weight p : parts) {
            if (p.groupWidth != width || p.inFeatures() != parts.get(0).inFeatures()) {
                throw new IllegalArgumentException("int8 weights stacked by rows need equal input widths");
            }
        }
        return concat(manager, parts, 0, width);
    }

    /** Parts with the same number of rows side by side along the input; each part keeps its own scales. */
    static Int8Weight concatColumns(NDManager manager, List<Int8Weight> parts) {
        long width = parts.get(0).groupWidth;
        for (Int8Weight p : parts) {
            if (p.groupWidth != width) {
                throw new IllegalArgumentException("int8 weights placed side by side need equal column groups");
            }
        }
        return concat(manager, parts, 1, width);
    }

    private static Int8Weight concat(NDManager manager, List<Int8Weight> parts, int axis, long groupWidth) {
        NDList qs = new NDList();
        NDList steps = new NDList();
        for (Int8Weight p : parts) {
            qs.add(p.q);
            steps.add(p.step);
        }
        NDArray q = NDArrays.concat(qs, axis);
        NDArray step = NDArrays.concat(steps, axis);
        q.attach(manager);
        step.attach(manager);
        return new Int8Weight(q, step, groupWidth);
    }

    @Override
    public long outFeatures() {
        return q.getShape().get(0);
    }

    @Override
    public long inFeatures() {
        return q.getShape().get(1);
    }

    private long groups() {
        return step.getShape().get(1);
    }

    @Override
    public NDArray apply(NDArray x, NDArray bias) {
        DataType type = x.getDataType();
        try (NDManager tmp = x.getManager().newSubManager()) {
            NDArray w = q.toType(type, false);
            w.attach(tmp);
            if (groups() == 1 && type == DataType.FLOAT32) {
                NDArray perColumn = step.reshape(outFeatures());
                perColumn.attach(tmp);
                NDArray y = Torch.linear(x, w, null);
                Torch.mulInPlace(y, perColumn);
                return bias == null ? y : Torch.addInPlace(y, bias);
            }
            return Torch.linear(x, dequantized(w, tmp), bias);
        }
    }

    /** {@code w} (q widened to a float type) times its scales, as [out, in] in {@code tmp}. */
    private NDArray dequantized(NDArray w, NDManager tmp) {
        long out = outFeatures();
        NDArray grouped = w.reshape(out, groups(), groupWidth);
        NDArray scaled = grouped.mul(step.reshape(out, groups(), 1)).reshape(out, inFeatures());
        scaled.attach(tmp);
        return scaled;
    }

    @Override
    public LinearWeight rows(long from, long to, NDManager manager) {
        return new Int8Weight(Torch.narrow(q, 0, from, to, manager), Torch.narrow(step, 0, from, to, manager),
                groupWidth);
    }

    @Override
    public LinearWeight columns(long from, long to, NDManager manager) {
        if (from % groupWidth != 0 || to % groupWidth != 0) {
            throw new IllegalArgumentException("columns [" + from + ", " + to + ") of an int8 weight must follow its"
                    + " scale groups of " + groupWidth);
        }
        return new Int8Weight(Torch.narrow(q, 1, from, to, manager),
                Torch.narrow(step, 1, from / groupWidth, to / groupWidth, manager), groupWidth);
    }

    @Override
    public NDArray dense(DataType type, NDManager manager) {
        try (NDManager tmp = manager.newSubManager()) {
            NDArray w = q.toType(type, false);
            w.attach(tmp);
            NDArray out = dequantized(w, tmp).toType(type, false);
            out.attach(manager);
            return out;
        }
    }

    @Override
    public DataType storageType() {
        return DataType.INT8;
    }

    /** The int8 matrix [out, in] (tests, accounting). */
    public NDArray quantized() {
        return q;
    }

    /** The row scales {@code absmax / 127} as [out, groups]. */
    public NDArray step() {
        return step;
    }
}
