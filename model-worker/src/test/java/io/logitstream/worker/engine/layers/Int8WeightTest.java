package io.logitstream.worker.engine.layers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.logitstream.worker.engine.WeightMemory;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Int8 weights against plain Java arithmetic: quantization, dequantization, forward, and the fused views. */
class Int8WeightTest {
    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager("PyTorch");
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    /** bitsandbytes' int8_vectorwise_quant in Java: absmax per row, round(w * (127 / absmax)). */
    private static byte[] referenceQuantize(float[] w, int out, int in, float[] absmax) {
        byte[] q = new byte[out * in];
        for (int o = 0; o < out; o++) {
            float m = 0;
            for (int i = 0; i < in; i++) {
                m = Math.max(m, Math.abs(w[o * in + i]));
            }
            absmax[o] = m;
            float ratio = m == 0 ? 0 : (1f / m) * 127f; // torch's `127.0 / row_stats`
            for (int i = 0; i < in; i++) {
                q[o * in + i] = (byte) Math.rint(w[o * in + i] * ratio);
            }
        }
        return q;
    }

    private static float[] dequantize(byte[] q, float[] absmax, int out, int in) {
        float[] d = new float[out * in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                d[o * in + i] = q[o * in + i] * (absmax[o] / 127f);
            }
        }
        return d;
    }

    /** {@code x W^T + b} in double. */
    private static double[] matmul(float[] x, int rows, float[] w, int out, int in, float[] b) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b[o];
                for (int i = 0; i < in; i++) {
                    s += (double) x[r * in + i] * w[o * in + i];
                }
                y[r * out + o] = s;
            }
        }
        return y;
    }

    private static void assertClose(float[] actual, double[] expected, double tol) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < actual.length; i++) {
            assertThat((double) actual[i]).as("element %d", i).isCloseTo(expected[i],
                    org.assertj.core.api.Assertions.within(tol));
        }
    }

    @Test
    void quantizesRowWiseLikeBitsandbytesAndDequantizesWithinHalfAStep() {
        Random r = new Random(1);
        int out = 6;
        int in = 10;
        float[] w = random(r, out * in);
        for (int i = 0; i < in; i++) {
            w[3 * in + i] = 0; // an all-zero row: q 0, scale 0 (bitsandbytes would divide by zero)
        }
        try (NDManager m = manager.newSubManager()) {
            Int8Weight q = Int8Weight.quantize(m.create(w, new Shape(out, in)), DataType.FLOAT32, m);
            float[] absmax = new float[out];
            byte[] expected = referenceQuantize(w, out, in, absmax);
            assertThat(q.quantized().getDataType()).isEqualTo(DataType.INT8);
            assertThat(q.quantized().toByteArray()).containsExactly(expected);
            float[] step = q.step().toFloatArray();
            float[] dense = q.dense(DataType.FLOAT32, m).toFloatArray();
            for (int o = 0; o < out; o++) {
                assertThat(step[o]).isEqualTo(absmax[o] / 127f);
                for (int i = 0; i < in; i++) {
                    assertThat(Math.abs(dense[o * in + i] - w[o * in + i])).isLessThanOrEqualTo(absmax[o] / 254f + 1e-7f);
                }
            }
            assertThat(java.util.Arrays.copyOfRange(dense, 3 * in, 4 * in)).containsOnly(0f);
        }
    }

    /** Re-quantizing dequantized rows gives the same int8 values (how re-packed stored weights keep theirs). */
    @Test
    void requantizingTheDequantizedWeightIsTheIdentity() {
        Random r = new Random(5);
        int out = 32;
        int in = 24;
        try (NDManager m = manager.newSubManager()) {
            Int8Weight q = Int8Weight.quantize(m.create(random(r, out * in), new Shape(out, in)), DataType.FLOAT32, m);
            Int8Weight again = Int8Weight.quantize(q.dense(DataType.FLOAT32, m), DataType.FLOAT32, m);
            assertThat(again.quantized().toByteArray()).containsExactly(q.quantized().toByteArray());
            assertThat(again.step().toFloatArray()).containsExactly(q.step().toFloatArray());
        }
    }

    @Test
    void forwardEqualsTheDequantizedGemmWithBias() {
        Random r = new Random(2);
        int out = 5;
        int in = 7;
        float[] w = random(r, out * in);
        float[] b = random(r, out);
        float[] x = random(r, 3 * in);
        float[] absmax = new float[out];
        float[] deq = dequantize(referenceQuantize(w, out, in, absmax), absmax, out, in);
        try (NDManager m = manager.newSubManager()) {
            Linear l = Linear.of(Int8Weight.quantize(m.create(w, new Shape(out, in)), DataType.FLOAT32, m),
                    m.create(b));
            assertClose(l.forward(m.create(x, new Shape(1, 3, in))).toFloatArray(), matmul(x, 3, deq, out, in, b), 1e-5);
            // the fp16 path (GPU compute type) dequantizes before the GEMM
            Linear half = Linear.of(Int8Weight.quantize(m.create(w, new Shape(out, in)), DataType.FLOAT16, m),
                    m.create(b).toType(DataType.FLOAT16, false));
            NDArray y = half.forward(m.create(x, new Shape(3, in)).toType(DataType.FLOAT16, false));
            assertThat(y.getDataType()).isEqualTo(DataType.FLOAT16);
            assertClose(y.toType(DataType.FLOAT32, false).toFloatArray(), matmul(x, 3, deq, out, in, b), 2e-2);
        }
    }

    @Test
    void fusedRowsAndSideBySideColumnsKeepEachPartsScales() {
        Random r = new Random(3);
        int in = 4;
        float[] wa = random(r, 3 * in);
        float[] wb = random(r, 2 * in);
        for (int i = 0; i < wb.length; i++) {
            wb[i] *= 10; // a different scale: a shared scale would be visibly wrong
        }
        try (NDManager m = manager.newSubManager()) {
            Linear a = Linear.of(Int8Weight.quantize(m.create(wa, new Shape(3, in)), DataType.FLOAT32, m), null);
            Linear b = Linear.fromOutIn(m.create(wb, new Shape(2, in)), null); // float part: quantized by concat
            float[] x = random(r, 2 * in);
            NDArray xs = m.create(x, new Shape(2, in));

            Linear stacked = Linear.concat(m, a, b);
            assertThat(stacked.weight().storageType()).isEqualTo(DataType.INT8);
            float[] ya = a.forward(xs).toFloatArray();
            float[] yStack = stacked.forward(xs).toFloatArray();
            float[] yRowsB = stacked.rows(3, 5, m).forward(xs).toFloatArray();
            float[] absB = new float[2];
            double[] expectedB = matmul(x, 2, dequantize(referenceQuantize(wb, 2, in, absB), absB, 2, in), 2, in, null);
            for (int row = 0; row < 2; row++) {
                for (int o = 0; o < 3; o++) {
                    assertThat(yStack[row * 5 + o]).isCloseTo(ya[row * 3 + o], org.assertj.core.api.Assertions.within(1e-6f));
                }
                for (int o = 0; o < 2; o++) {
                    assertThat((double) yStack[row * 5 + 3 + o]).isCloseTo(expectedB[row * 2 + o],
                            org.assertj.core.api.Assertions.within(1e-4));
                    assertThat(yRowsB[row * 2 + o]).isCloseTo(yStack[row * 5 + 3 + o], org.assertj.core.api.Assertions.within(1e-6f));
                }
            }

            // side by side: [out 2, in 4 | in 4], each block with its own row scales (MoE down projections)
            float[] wc = random(r, 2 * in);
            float[] wd = random(r, 2 * in);
            for (int i = 0; i < wd.length; i++) {
                wd[i] *= 0.01f;
            }
            Linear c = Linear.of(Int8Weight.quantize(m.create(wc, new Shape(2, in)), DataType.FLOAT32, m), null);
            Linear d = Linear.of(Int8Weight.quantize(m.create(wd, new Shape(2, in)), DataType.FLOAT32, m), null);
            Linear side = Linear.concatColumns(m, c, d);
            float[] h = random(r, 2 * in);
            float[] yc = c.forward(m.create(java.util.Arrays.copyOf(h, in), new Shape(1, in))).toFloatArray();
            float[] yd = d.forward(m.create(java.util.Arrays.copyOfRange(h, in, 2 * in), new Shape(1, in)))
                    .toFloatArray();
            float[] ySide = side.forward(m.create(h, new Shape(1, 2 * in))).toFloatArray();
            for (int o = 0; o < 2; o++) {
                assertThat((double) ySide[o]).isCloseTo(yc[o] + yd[o], org.assertj.core.api.Assertions.within(1e-5));
            }
            float[] yCol = side.columns(in, 2 * in, m)
                    .forward(m.create(java.util.Arrays.copyOfRange(h, in, 2 * in), new Shape(1, in))).toFloatArray();
            for (int o = 0; o < 2; o++) {
                assertThat(yCol[o]).isCloseTo(yd[o], org.assertj.core.api.Assertions.within(1e-6f));
            }
            assertThatThrownBy(() -> side.columns(1, in, m)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void residentBytesCountTheInt8MatrixAndItsScalesOnce() {
        try (NDManager m = manager.newSubManager()) {
            int out = 64;
            int in = 32;
            float[] w = random(new Random(4), out * in);
            Int8Weight q = Int8Weight.quantize(m.create(w, new Shape(out, in)), DataType.FLOAT32, m);
            Linear l = Linear.of(q, null);
            l.rows(0, 16, m); // views: no bytes of their own
            WeightMemory mem = WeightMemory.of(m);
            assertThat(mem.bytes(DataType.INT8)).isEqualTo((long) out * in);
            // the float input array (out*in*4) is still in m; the scales add out*4
            assertThat(mem.bytes(DataType.FLOAT32)).isEqualTo((long) out * in * 4 + out * 4L);
        }
    }
}
