package io.logitstream.worker.engine.layers;

import io.logitstream.worker.engine.tensor.Scalars;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.logitstream.worker.engine.KvCache;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The blocks the Llama-family architectures will reuse, checked against plain Java arithmetic. */
class SharedLayersTest {
    private static NDManager manager;
    private static Scalars scalars;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager("PyTorch");
        scalars = new Scalars(manager);
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

    @Test
    void rmsNormMatchesTheFormula() {
        Random r = new Random(1);
        float[] x = random(r, 2 * 8);
        float[] w = random(r, 8);
        try (NDManager m = manager.newSubManager()) {
            RmsNorm norm = new RmsNorm(m.create(w), 1e-6, scalars);
            float[] got = norm.forward(m.create(x, new Shape(2, 8))).toFloatArray();
            for (int row = 0; row < 2; row++) {
                double ms = 0;
                for (int i = 0; i < 8; i++) {
                    ms += x[row * 8 + i] * x[row * 8 + i];
                }
                double inv = 1 / Math.sqrt(ms / 8 + 1e-6);
                for (int i = 0; i < 8; i++) {
                    assertThat((double) got[row * 8 + i]).isCloseTo(w[i] * x[row * 8 + i] * inv, within(1e-5));
                }
            }
        }
    }

    @Test
    void rotaryEmbeddingMatchesTheFormula() {
        int dim = 8;
        double theta = 10000;
        Random r = new Random(2);
        float[] x = random(r, 1 * 2 * 3 * dim); // [B=1, H=2, T=3, D]
        long[] positions = {5, 6, 700};
        try (NDManager m = manager.newSubManager()) {
            RotaryEmbedding rope = new RotaryEmbedding(m, dim, theta);
            RotaryEmbedding.Angles a = rope.angles(m.create(positions, new Shape(1, 3)));
            float[] got = rope.apply(m.create(x, new Shape(1, 2, 3, dim)), a).toFloatArray();
            for (int h = 0; h < 2; h++) {
                for (int t = 0; t < 3; t++) {
                    int base = (h * 3 + t) * dim;
                    for (int j = 0; j < dim; j++) {
                        int i = j % (dim / 2);
                        double angle = positions[t] * (1.0 / Math.pow(theta, 2.0 * i / dim));
                        double rot = j < dim / 2 ? -x[base + j + dim / 2] : x[base + j - dim / 2];
                        double expected = x[base + j] * Math.cos(angle) + rot * Math.sin(angle);
                        assertThat((double) got[base + j]).isCloseTo(expected, within(1e-4));
                    }
                }
            }
        }
    }

    /**
     * GLM / ChatGLM rope: the first half of each head (rotary width 4 of head_dim 8) rotates in
     * interleaved pairs (2i, 2i+1) with frequency i; the second half passes through untouched.
     */
    @Test
    void partialInterleavedRotaryEmbeddingMatchesTheFormula() {
        int headDim = 8;
        int dim = 4;
        double theta = 10000;
        Random r = new Random(3);
        float[] x = random(r, 1 * 2 * 3 * headDim); // [B=1, H=2, T=3, headDim]
        long[] positions = {0, 6, 700};
        try (NDManager m = manager.newSubManager()) {
            RotaryEmbedding rope = RopeConfig.interleaved(theta, dim, 1024).create(m);
            assertThat(rope.interleaved()).isTrue();
            RotaryEmbedding.Angles a = rope.angles(m.create(positions, new Shape(1, 3)));
            float[] got = rope.apply(m.create(x, new Shape(1, 2, 3, headDim)), a).toFloatArray();
            for (int h = 0; h < 2; h++) {
                for (int t = 0; t < 3; t++) {
                    int base = (h * 3 + t) * headDim;
                    for (int j = 0; j < headDim; j++) {
                        double expected = x[base + j];
                        if (j < dim) {
                            int i = j / 2;
                            double angle = positions[t] * (1.0 / Math.pow(theta, 2.0 * i / dim));
                            double rot = j % 2 == 0 ? -x[base + j + 1] : x[base + j - 1];
                            expected = x[base + j] * Math.cos(angle) + rot * Math.sin(angle);
                        }
                        assertThat((double) got[base + j]).as("h%d t%d channel %d", h, t, j)
                                .isCloseTo(expected, within(1e-4));
                    }
                }
            }
        }
    }

    /** GQA (2 kv heads for 4 query heads) equals MHA with each kv head repeated, with cache and padding. */
    @Test
    void groupedQueryAttentionEqualsRepeatedKeyValueHeads() {
        int hidden = 8;
        int heads = 4;
        int kvHeads = 2;
        int headDim = 2;
        Random r = new Random(3);
        float[] wq = random(r, heads * headDim * hidden);
        float[] wk = random(r, kvHeads * headDim * hidden);
        float[] wv = random(r, kvHeads * headDim * hidden);
        float[] wo = random(r, hidden * heads * headDim);
        float[] x = random(r, 2 * 5 * hidden);
        try (NDManager m = manager.newSubManager()) {
            Linear q = Linear.fromOutIn(m.create(wq, new Shape(heads * headDim, hidden)), null);
            Linear k = Linear.fromOutIn(m.create(wk, new Shape(kvHeads * headDim, hidden)), null);
            Linear v = Linear.fromOutIn(m.create(wv, new Shape(kvHeads * headDim, hidden)), null);
            Linear o = Linear.fromOutIn(m.create(wo, new Shape(hidden, heads * headDim)), null);
            RotaryEmbedding rope = new RotaryEmbedding(m, headDim, 10000);
            MultiHeadAttention gqa = new MultiHeadAttention(Linear.concat(m, q, k, v), o, heads, kvHeads, headDim,
                    0.7f, rope, scalars);
            Linear kRep = Linear.fromOutIn(m.create(repeatHeads(wk, kvHeads, 2, headDim * hidden),
                    new Shape(heads * headDim, hidden)), null);
            Linear vRep = Linear.fromOutIn(m.create(repeatHeads(wv, kvHeads, 2, headDim * hidden),
                    new Shape(heads * headDim, hidden)), null);
            MultiHeadAttention mha = new MultiHeadAttention(Linear.concat(m, q, kRep, vRep), o, heads, heads, headDim,
                    0.7f, rope, scalars);

            int[][] mask = {{0, 0, 1, 1, 1}, {1, 1, 1, 1, 1}};
            NDArray positions = m.create(flat(AttentionMask.positionIds(mask, 2, 0, 5)), new Shape(2, 5));
            NDArray additive = AttentionMask.build(m, scalars, mask, 0, 5, null);
            try (KvCache c1 = new KvCache(m, 1, 2, 16); KvCache c2 = new KvCache(m, 1, 2, 16)) {
                NDArray input = m.create(x, new Shape(2, 5, hidden));
                float[] a = gqa.forward(input, 0, new LayerContext(additive, c1, rope.angles(positions))).toFloatArray();
                float[] b = mha.forward(input, 0, new LayerContext(additive, c2, rope.angles(positions))).toFloatArray();
                assertClose(a, b);
                // one more token through the caches
                int[][] mask2 = {{0, 0, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}};
                c1.commit(5);
                c2.commit(5);
                NDArray pos2 = m.create(flat(AttentionMask.positionIds(mask2, 2, 5, 1)), new Shape(2, 1));
                NDArray mask2d = AttentionMask.build(m, scalars, mask2, 5, 1, null);
                NDArray step = m.create(random(r, 2 * hidden), new Shape(2, 1, hidden));
                float[] a2 = gqa.forward(step, 0, new LayerContext(mask2d, c1, rope.angles(pos2))).toFloatArray();
                float[] b2 = mha.forward(step, 0, new LayerContext(mask2d, c2, rope.angles(pos2))).toFloatArray();
                assertClose(a2, b2);
            }
        }
    }

    @Test
    void slidingWindowMasksOldKeys() {
        try (NDManager m = manager.newSubManager()) {
            NDArray mask = AttentionMask.build(m, scalars, null, 0, 4, 2);
            float[] v = mask.toFloatArray();
            boolean[][] visible = new boolean[4][4];
            for (int q = 0; q < 4; q++) {
                for (int k = 0; k < 4; k++) {
                    visible[q][k] = v[q * 4 + k] == 0f;
                }
            }
            assertThat(visible[3]).containsExactly(false, false, true, true);
            assertThat(visible[1]).containsExactly(true, true, false, false);
            assertThat(AttentionMask.build(m, scalars, null, 7, 1, null)).isNull();
        }
    }

    /** The MoE block, dense and sparse, against a per-token loop in plain Java (transformers' eager experts). */
    @Test
    void moeBlockMatchesAPerTokenReference() {
        int e = 5;
        int k = 2;
        int h = 6;
        int inter = 4;
        int shared = 3;
        int n = 7;
        Random r = new Random(4);
        float[] router = random(r, e * h);
        float[][] gate = new float[e][];
        float[][] up = new float[e][];
        float[][] down = new float[e][];
        for (int i = 0; i < e; i++) {
            gate[i] = random(r, inter * h);
            up[i] = random(r, inter * h);
            down[i] = random(r, h * inter);
        }
        float[] sg = random(r, h);
        float[] sGate = random(r, shared * h);
        float[] sUp = random(r, shared * h);
        float[] sDown = random(r, h * shared);
        float[] x = random(r, n * h);
        for (boolean norm : new boolean[] {false, true}) {
            double[] expected = new double[n * h];
            double[][] expectedLogits = new double[n][e];
            for (int t = 0; t < n; t++) {
                double[] xt = new double[h];
                for (int j = 0; j < h; j++) {
                    xt[j] = x[t * h + j];
                }
                double[] logits = matVec(router, e, h, xt);
                expectedLogits[t] = logits;
                double max = Arrays.stream(logits).max().orElseThrow();
                double z = Arrays.stream(logits).map(v -> Math.exp(v - max)).sum();
                Integer[] order = new Integer[e];
                for (int i = 0; i < e; i++) {
                    order[i] = i;
                }
                Arrays.sort(order, (a, b) -> Double.compare(logits[b], logits[a]));
                double picked = 0;
                for (int j = 0; j < k; j++) {
                    picked += Math.exp(logits[order[j]] - max) / z;
                }
                for (int j = 0; j < k; j++) {
                    int ex = order[j];
                    double w = Math.exp(logits[ex] - max) / z / (norm ? picked : 1);
                    double[] y = gatedMlp(gate[ex], up[ex], down[ex], inter, h, xt);
                    for (int q = 0; q < h; q++) {
                        expected[t * h + q] += w * y[q];
                    }
                }
                double sgate = 1 / (1 + Math.exp(-matVec(sg, 1, h, xt)[0]));
                double[] y = gatedMlp(sGate, sUp, sDown, shared, h, xt);
                for (int q = 0; q < h; q++) {
                    expected[t * h + q] += sgate * y[q];
                }
            }
            try (NDManager m = manager.newSubManager()) {
                Linear[] g = new Linear[e];
                Linear[] u = new Linear[e];
                Linear[] d = new Linear[e];
                for (int i = 0; i < e; i++) {
                    g[i] = Linear.fromOutIn(m.create(gate[i], new Shape(inter, h)), null);
                    u[i] = Linear.fromOutIn(m.create(up[i], new Shape(inter, h)), null);
                    d[i] = Linear.fromOutIn(m.create(down[i], new Shape(h, inter)), null);
                }
                MoeBlock moe = new MoeBlock(m, Linear.fromOutIn(m.create(router, new Shape(e, h)), null), g, u, d,
                        Linear.fromOutIn(m.create(sg, new Shape(1, h)), null),
                        Linear.fromOutIn(m.create(sGate, new Shape(shared, h)), null),
                        Linear.fromOutIn(m.create(sUp, new Shape(shared, h)), null),
                        Linear.fromOutIn(m.create(sDown, new Shape(h, shared)), null), Activation.SILU, k, norm, scalars);
                for (MoeBlock.Strategy strategy : MoeBlock.Strategy.values()) {
                    moe.setStrategy(strategy);
                    try (NDManager scope = m.newSubManager()) {
                        LayerContext ctx = new LayerContext(null, null, null, null, scope, true);
                        float[] got = moe.forward(scope.create(x, new Shape(1, n, h)), ctx).toFloatArray();
                        for (int i = 0; i < got.length; i++) {
                            assertThat((double) got[i]).as("%s norm=%s element %d", strategy, norm, i)
                                    .isCloseTo(expected[i], within(1e-5));
                        }
                        float[] reported = ctx.routerLogits().get(0).toFloatArray();
                        for (int t = 0; t < n; t++) {
                            for (int i = 0; i < e; i++) {
                                assertThat((double) reported[t * e + i]).isCloseTo(expectedLogits[t][i], within(1e-5));
                            }
                        }
                        // the load-balancing loss: E * sum_e (fraction routed to e) * (mean prob of e)
                        double[] frac = new double[e];
                        double[] prob = new double[e];
                        for (int t = 0; t < n; t++) {
                            double[] l = expectedLogits[t];
                            double max = Arrays.stream(l).max().orElseThrow();
                            double z = Arrays.stream(l).map(v -> Math.exp(v - max)).sum();
                            Integer[] order = {0, 1, 2, 3, 4};
                            Arrays.sort(order, (a, b) -> Double.compare(l[b], l[a]));
                            for (int j = 0; j < k; j++) {
                                frac[order[j]] += 1.0 / n;
                            }
                            for (int i = 0; i < e; i++) {
                                prob[i] += Math.exp(l[i] - max) / z / n;
                            }
                        }
                        double aux = 0;
                        for (int i = 0; i < e; i++) {
                            aux += frac[i] * prob[i];
                        }
                        assertThat((double) MoeBlock.loadBalancingLoss(ctx.routerLogits(), e, k, null, scope))
                                .isCloseTo(aux * e, within(1e-5));
                    }
                }
            }
        }
    }

    private static double[] matVec(float[] w, int rows, int cols, double[] x) {
        double[] y = new double[rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                y[i] += w[i * cols + j] * x[j];
            }
        }
        return y;
    }

    private static double[] gatedMlp(float[] gate, float[] up, float[] down, int inter, int h, double[] x) {
        double[] g = matVec(gate, inter, h, x);
        double[] u = matVec(up, inter, h, x);
        double[] a = new double[inter];
        for (int i = 0; i < inter; i++) {
            a[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
        }
        return matVec(down, h, inter, a);
    }

    /** Scaled rotary frequencies against transformers' formulas (computed here in doubles). */
    @Test
    void scaledRopeFrequenciesMatchTheFormulas() {
        int dim = 8;
        double theta = 10000;
        double[] base = new double[dim / 2];
        for (int i = 0; i < dim / 2; i++) {
            base[i] = 1 / Math.pow(theta, 2.0 * i / dim);
        }
        try (NDManager m = manager.newSubManager()) {
            float[] linear = new RopeConfig("linear", theta, 2, 0, 0, 64, 64, dim).create(m).invFreq().toFloatArray();
            float[] llama3 = new RopeConfig("llama3", theta, 8, 1, 4, 64, 512, dim).create(m).invFreq().toFloatArray();
            RotaryEmbedding dynamic = new RopeConfig("dynamic", theta, 2, 0, 0, 32, 32, dim).create(m);
            float[] dynShort = dynamic.invFreq(32).toFloatArray();
            float[] dyn40 = dynamic.invFreq(40).toFloatArray();
            double ntkBase = theta * Math.pow(2.0 * 40 / 32 - 1, (double) dim / (dim - 2));
            for (int i = 0; i < dim / 2; i++) {
                assertThat((double) linear[i]).isCloseTo(base[i] / 2, within(1e-6 * base[i]));
                double wavelen = 2 * Math.PI / base[i];
                double expected;
                if (wavelen < 64.0 / 4) {
                    expected = base[i];
                } else if (wavelen > 64.0 / 1) {
                    expected = base[i] / 8;
                } else {
                    double smooth = (64 / wavelen - 1) / (4 - 1);
                    expected = (1 - smooth) * base[i] / 8 + smooth * base[i];
                }
                assertThat((double) llama3[i]).isCloseTo(expected, within(1e-6 * base[i]));
                assertThat((double) dynShort[i]).isCloseTo(base[i], within(1e-6 * base[i]));
                double ntk = 1 / Math.pow(ntkBase, 2.0 * i / dim);
                assertThat((double) dyn40[i]).isCloseTo(ntk, within(1e-6 * ntk));
            }
            assertThat(dynamic.isDynamic()).isTrue();
        }
    }

    private static float[] repeatHeads(float[] w, int kvHeads, int groups, int rowsPerHead) {
        float[] out = new float[w.length * groups];
        int k = 0;
        for (int h = 0; h < kvHeads; h++) {
            for (int g = 0; g < groups; g++) {
                System.arraycopy(w, h * rowsPerHead, out, k, rowsPerHead);
                k += rowsPerHead;
            }
        }
        return out;
    }

    private static long[] flat(long[][] a) {
        long[] out = new long[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) {
            System.arraycopy(a[i], 0, out, i * a[0].length, a[0].length);
        }
        return out;
    }

    private static void assertClose(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.length; i++) {
            assertThat((double) a[i]).as("element %d", i).isCloseTo(b[i], within(1e-5));
        }
    }
}
