package io.logitstream.worker.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.logitstream.worker.engine.tensor.Torch;
import java.util.Arrays;

/**
 * Input embeddings that replace the token embeddings at some positions of one sequence: the
 * projected vision features of an image, which transformers' InternVL scatters into
 * {@code inputs_embeds} where the input ids are the image token. Plain data (fp32 on the Java heap),
 * so it outlives any forward and costs nothing while a request waits; each step creates only the
 * rows it feeds.
 *
 * <p>The cache key: image tokens have the same id whatever the image, so the prefix cache must not
 * key these positions on the id. {@link #keys} gives each replaced position a negative id derived
 * from a digest of its image (never a real token id), so two sequences share a cached prefix through
 * an image only when it is the same image.
 *
 * @param positions sequence positions replaced, ascending
 * @param rows {@code positions.length * width} floats, row after row
 * @param width the model's hidden size
 * @param keys the cache key of each replaced position (negative)
 */
public record EmbeddingOverride(int[] positions, float[] rows, int width, int[] keys) {

    public EmbeddingOverride {
        if (rows.length != (long) positions.length * width || keys.length != positions.length) {
            throw new IllegalArgumentException(positions.length + " positions need " + positions.length * width
                    + " floats and as many keys, got " + rows.length + " and " + keys.length);
        }
        for (int i = 1; i < positions.length; i++) {
            if (positions[i] <= positions[i - 1]) {
                throw new IllegalArgumentException("override positions must ascend");
            }
        }
    }

    /** The first replaced position, or -1 when none. */
    public int first() {
        return positions.length == 0 ? -1 : positions[0];
    }

    /** The cache key of sequence position {@code p}: its key when replaced, else {@code token}. */
    public int keyAt(int p, int token) {
        int i = Arrays.binarySearch(positions, p);
        return i >= 0 ? keys[i] : token;
    }

    /**
     * Replaces rows of {@code hidden} ([1 or B, T, width], flattened row-major) at flat row indices:
     * {@code flatIndex[i]} takes {@code rows[rowIndex[i]]}. Returns a new tensor in {@code scope};
     * one gather, so the cost is a copy of the hidden states, only in steps that feed image positions.
     */
    public static NDArray apply(NDArray hidden, int[] flatIndex, float[][] rowsOf, NDManager scope) {
        if (flatIndex.length == 0) {
            return hidden;
        }
        Shape shape = hidden.getShape();
        long n = shape.get(0) * shape.get(1);
        long width = shape.get(2);
        float[] extra = new float[Math.toIntExact(flatIndex.length * width)];
        for (int i = 0; i < flatIndex.length; i++) {
            System.arraycopy(rowsOf[i], 0, extra, (int) (i * width), (int) width);
        }
        NDArray table = hidden.reshape(n, width).concat(
                scope.create(extra, new Shape(flatIndex.length, width)).toType(hidden.getDataType(), false), 0);
        long[] pick = new long[(int) n];
        for (int i = 0; i < n; i++) {
            pick[i] = i;
        }
        for (int i = 0; i < flatIndex.length; i++) {
            pick[flatIndex[i]] = n + i;
        }
        return Torch.rows(table, scope.create(pick)).reshape(shape);
    }

    /**
     * Adds the replaced positions among {@code [past, past + count)} to {@code flatIndex} / {@code
     * picked}, as flat rows from {@code flatOffset} (where position {@code past} sits in the flat row).
     */
    public void collect(int flatOffset, int past, int count, java.util.List<Integer> flatIndex,
            java.util.List<float[]> picked) {
        int i = Arrays.binarySearch(positions, past);
        if (i < 0) {
            i = -i - 1;
        }
        for (; i < positions.length && positions[i] < past + count; i++) {
            flatIndex.add(flatOffset + positions[i] - past);
            picked.add(row(i));
        }
    }

    /** Row {@code i} of {@link #rows}, copied. */
    public float[] row(int i) {
        return Arrays.copyOfRange(rows, i * width, (i + 1) * width);
    }

    /** The index into {@link #positions} of position {@code p}, or a negative number. */
    public int indexOf(int p) {
        return Arrays.binarySearch(positions, p);
    }
}
