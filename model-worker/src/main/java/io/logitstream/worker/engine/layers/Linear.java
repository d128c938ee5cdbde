package io.logitstream.worker.engine.layers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.logitstream.worker.engine.tensor.Torch;
import io.logitstream.worker.engine.weights.Checkpoint;
import io.logitstream.worker.engine.weights.WeightMode;
import java.util.ArrayList;
import java.util.List;

/**
 * An affine projection {@code y = x W^T + b}. The weight is a {@link LinearWeight}: a float matrix
 * in PyTorch's {@code nn.Linear} layout [out, in] (one addmm), or an {@link Int8Weight}.
 *
 * <p>GPT-2's {@code Conv1D} stores [in, out]; {@link #fromInOut} wraps it as a transposed
 * <em>view</em>, so no weight is copied and the GEMM reads the original memory with a transposed
 * flag.
 *
 * <p>Architectures build their projections from a checkpoint with {@link #load} (the Hub's
 * {@code <name>.weight}) or {@link #of(Checkpoint, NDArray, NDArray, NDManager)} (a weight they
 * re-packed first); both follow the checkpoint's {@link WeightMode}, so every architecture gets
 * 8-bit weights through this one class.
 */
public final class Linear {
    private final LinearWeight weight;
    private final NDArray bias;

    private Linear(LinearWeight weight, NDArray bias) {
        this.weight = weight;
        this.bias = bias;
    }

    /** {@code nn.Linear} layout, kept as given: weight [out, in] in the compute type, bias [out] or null. */
    public static Linear fromOutIn(NDArray weight, NDArray bias) {
        return new Linear(new FloatWeight(weight), bias);
    }

    /** {@code Conv1D} layout, kept as given: weight [in, out], bias [out] or null. */
    public static Linear fromInOut(NDArray weight, NDArray bias) {
        return new Linear(new FloatWeight(Torch.markView(weight.transpose())), bias);
    }

    /** A projection with an explicit weight representation. */
    public static Linear of(LinearWeight weight, NDArray bias) {
        return new Linear(weight, bias);
    }

    /**
     * {@code <name>.weight} [out, in] (shape checked) and, when {@code bias}, {@code <name>.bias},
     * into {@code m}, held as the checkpoint's {@link WeightMode} says: a bitsandbytes int8 weight
     * ({@code <name>.weight} I8 with {@code <name>.SCB}) stays int8 unless the mode is FLOAT, and a
     * float weight is quantized in mode INT8.
     */
    public static Linear load(Checkpoint w, String name, boolean bias, NDManager m, long out, long in) {
        NDArray b = bias ? w.load(name + ".bias", m, out) : null;
        if (w.storesInt8(name)) {
            if (w.weightMode() != WeightMode.FLOAT) {
                return new Linear(storedInt8(w, name, m, out, in), b);
            }
            try (NDManager tmp = m.newSubManager()) {
                return new Linear(new FloatWeight(storedInt8(w, name, tmp, out, in).dense(w.computeType(), m)), b);
            }
        }
        NDArray weight = w.load(name + ".weight", m, out, in);
        return w.quantizes(name) ? quantized(w, weight, b, m) : fromOutIn(weight, b);
    }

    /**
     * {@code <name>.weight} [out, in] as a float matrix in {@code m}, dequantized when bitsandbytes
     * stored it int8: for layouts that re-pack a weight before it becomes a projection (InternLM2's
     * wqkv rows). Re-quantizing the re-packed rows with {@link #of(Checkpoint, NDArray, NDArray, NDManager)}
     * gives back the stored int8 values: each row's absmax element is +-127, so its scale is the
     * stored one, and row-wise quantization does not care how rows are ordered.
     */
    public static NDArray loadDense(Checkpoint w, String name, NDManager m, long out, long in) {
        if (!w.storesInt8(name)) {
            return w.load(name + ".weight", m, out, in);
        }
        try (NDManager tmp = m.newSubManager()) {
            return storedInt8(w, name, tmp, out, in).dense(w.computeType(), m);
        }
    }

    /** A bitsandbytes 8-bit weight as stored: {@code <name>.weight} int8 [out, in] and {@code <name>.SCB} [out]. */
    private static Int8Weight storedInt8(Checkpoint w, String name, NDManager m, long out, long in) {
        NDArray q = w.loadInt8(name + ".weight", m, out, in);
        try (NDArray scb = w.load(name + ".SCB", m, out)) {
            return Int8Weight.fromAbsmax(q, scb, w.computeType(), m);
        }
    }

    private static Linear quantized(Checkpoint w, NDArray weightOutIn, NDArray bias, NDManager m) {
        Int8Weight q = Int8Weight.quantize(weightOutIn, w.computeType(), m);
        weightOutIn.close();
        return new Linear(q, bias);
    }

    /**
     * A float weight [out, in] read (and possibly re-packed) from {@code w}, held as its
     * {@link WeightMode} says: quantized into {@code m} in mode INT8 (the float array is then
     * closed), kept as given otherwise.
     */
    public static Linear of(Checkpoint w, NDArray weightOutIn, NDArray bias, NDManager m) {
        return w.weightMode() == WeightMode.INT8 ? quantized(w, weightOutIn, bias, m) : fromOutIn(weightOutIn, bias);
    }

    /**
     * The linear layer {@code name}'s float weight [out, in], re-packed from {@code w} (InternLM2's
     * wqkv rows), held as {@link #load} would hold {@code name}: int8 when stored so (unless the mode
     * is FLOAT) or when the mode quantizes it, float when {@code llm_int8_skip_modules} keeps it float.
     */
    public static Linear of(Checkpoint w, String name, NDArray weightOutIn, NDArray bias, NDManager m) {
        boolean int8 = w.storesInt8(name) ? w.weightMode() != WeightMode.FLOAT : w.quantizes(name);
        return int8 ? quantized(w, weightOutIn, bias, m) : fromOutIn(weightOutIn, bias);
    }

    /**
     * GPT-2's {@code Conv1D} {@code <name>.weight} [in, out] with {@code <name>.bias} [out], as the
     * checkpoint's {@link WeightMode} says. bitsandbytes replaces a {@code Conv1D} by a
     * {@code Linear8bitLt}, so an 8-bit checkpoint stores it int8 in the [out, in] layout.
     */
    public static Linear loadConv1d(Checkpoint w, String name, NDManager m, long in, long out) {
        if (w.storesInt8(name)) {
            return load(w, name, true, m, out, in);
        }
        return ofInOut(w, w.load(name + ".weight", m, in, out), w.load(name + ".bias", m, out), m);
    }

    /** {@link #of(Checkpoint, NDArray, NDArray, NDManager)} for a {@code Conv1D} weight [in, out]. */
    public static Linear ofInOut(Checkpoint w, NDArray weightInOut, NDArray bias, NDManager m) {
        if (w.weightMode() != WeightMode.INT8) {
            return fromInOut(weightInOut, bias);
        }
        try (NDArray outIn = weightInOut.transpose()) {
            Int8Weight q = Int8Weight.quantize(outIn, w.computeType(), m);
            weightInOut.close();
            return new Linear(q, bias);
        }
    }

    /**
     * Stacks several projections of the same input into one (e.g. Llama's query/key/value
     * projections), so the forward pass runs one GEMM instead of three. This copies the weights
     * once, at load; the result lives in {@code manager}. When any part is int8 the result is
     * int8 (float parts are quantized).
     */
    public static Linear concat(NDManager manager, Linear... parts) {
        LinearWeight w = concatWeights(manager, parts, 0);
        NDArray b = null;
        if (anyBias(parts)) {
            NDList bs = new NDList();
            for (Linear p : parts) {
                bs.add(p.bias != null ? p.bias
                        : manager.zeros(new ai.djl.ndarray.types.Shape(p.outFeatures()), p.biasType()));
            }
            b = NDArrays.concat(bs, 0);
            b.attach(manager);
        }
        return new Linear(w, b);
    }

    /**
     * Projections of consecutive slices of one input placed side by side ([out, in1 + in2 + ...]),
     * e.g. every MoE expert's down projection as one matrix; no biases. Int8 parts keep their own
     * scales (see {@link Int8Weight}).
     */
    public static Linear concatColumns(NDManager manager, Linear... parts) {
        if (anyBias(parts)) {
            throw new IllegalArgumentException("projections placed side by side cannot have biases");
        }
        return new Linear(concatWeights(manager, parts, 1), null);
    }

    private static boolean anyBias(Linear... parts) {
        for (Linear p : parts) {
            if (p.bias != null) {
                return true;
            }
        }
        return false;
    }

    /** The type a missing bias takes when fused with others: the compute type (an int8 weight's scales have it). */
    private DataType biasType() {
        if (bias != null) {
            return bias.getDataType();
        }
        return weight instanceof Int8Weight i ? i.step().getDataType() : weight.storageType();
    }

    private static LinearWeight concatWeights(NDManager manager, Linear[] parts, int axis) {
        boolean int8 = false;
        for (Linear p : parts) {
            int8 |= p.weight instanceof Int8Weight;
        }
        if (!int8) {
            NDList ws = new NDList();
            for (Linear p : parts) {
                ws.add(((FloatWeight) p.weight).array());
            }
            NDArray w = NDArrays.concat(ws, axis);
            w.attach(manager);
            return new FloatWeight(w);
        }
        List<Int8Weight> qs = new ArrayList<>();
        DataType computeType = computeTypeOf(parts);
        for (Linear p : parts) {
            qs.add(p.weight instanceof Int8Weight i ? i
                    : Int8Weight.quantize(((FloatWeight) p.weight).array(), computeType, manager));
        }
        return axis == 0 ? Int8Weight.concatRows(manager, qs) : Int8Weight.concatColumns(manager, qs);
    }

    private static DataType computeTypeOf(Linear[] parts) {
        for (Linear p : parts) {
            if (p.weight instanceof Int8Weight i) {
                return i.step().getDataType();
            }
        }
        return DataType.FLOAT32;
    }

    /**
     * The projection restricted to output rows {@code [from, to)}: a view of the weight (and bias),
     * no copy, attached to {@code manager}. E.g. one expert's part of a fused MoE projection.
     */
    public Linear rows(long from, long to, NDManager manager) {
        NDArray b = bias == null ? null : Torch.narrow(bias, 0, from, to, manager);
        return new Linear(weight.rows(from, to, manager), b);
    }

    /** The projection restricted to input columns {@code [from, to)} (no bias): a view, no copy. */
    public Linear columns(long from, long to, NDManager manager) {
        if (bias != null) {
            throw new IllegalArgumentException("a column slice of a projection with a bias is not a projection");
        }
        return new Linear(weight.columns(from, to, manager), null);
    }

    public NDArray forward(NDArray x) {
        return weight.apply(x, bias);
    }

    public long inFeatures() {
        return weight.inFeatures();
    }

    public long outFeatures() {
        return weight.outFeatures();
    }

    /** How the weight is held (float or int8). */
    public LinearWeight weight() {
        return weight;
    }

    public NDArray bias() {
        return bias;
    }
}
