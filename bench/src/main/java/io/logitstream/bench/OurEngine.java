package io.logitstream.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import io.logitstream.worker.engine.CausalLanguageModel;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.ForwardOutput;
import io.logitstream.worker.engine.KvCache;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.layers.Activation;
import io.logitstream.worker.engine.layers.AttentionMask;
import io.logitstream.worker.engine.tensor.Scalars;
import io.logitstream.worker.engine.tensor.Torch;
import io.logitstream.worker.engine.generation.GenerationOptions;
import io.logitstream.worker.engine.generation.GenerationResult;
import io.logitstream.worker.engine.generation.Generator;
import io.logitstream.worker.engine.scoring.Scorer;
import io.logitstream.worker.engine.scoring.SequenceScore;
import io.logitstream.worker.engine.generation.TokenListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Our engine's side of the benchmark: the public engine API only (ModelLoader, Scorer, Generator, forward). */
public final class OurEngine implements AutoCloseable {
    private final LoadedModel loaded;
    private final Scorer scorer;
    private final Generator generator;
    private final long loadMillis;

    private OurEngine(LoadedModel loaded, long loadMillis) {
        this.loaded = loaded;
        this.scorer = new Scorer(loaded.model());
        this.generator = new Generator(loaded);
        this.loadMillis = loadMillis;
    }

    /**
     * Sets the PyTorch thread pools before the engine starts (DJL reads
     * {@code ai.djl.pytorch.num_threads} / {@code num_interop_threads} once, at engine start) and again
     * through JNI in case the engine was already running.
     *
     * @return {intra-op threads, inter-op threads} as PyTorch reports them
     */
    public static int[] configureThreads(int intraOp, int interOp) {
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(intraOp));
        System.setProperty("ai.djl.pytorch.num_interop_threads", Integer.toString(interOp));
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(intraOp);
        return new int[] {JniUtils.getNumThreads(), JniUtils.getNumInteropThreads()};
    }

    public static OurEngine load(Path dir) {
        long t0 = System.nanoTime();
        LoadedModel m = ModelLoader.load(dir);
        return new OurEngine(m, (System.nanoTime() - t0) / 1_000_000);
    }

    public LoadedModel loaded() {
        return loaded;
    }

    public long loadMillis() {
        return loadMillis;
    }

    /** The Scorer on the whole list (it splits and right-pads); returns the sum of all token logprobs. */
    public double score(List<int[]> seqs, int topK) {
        List<SequenceScore> scores = seqs.size() == 1 ? List.of(scorer.score(seqs.get(0), topK))
                : scorer.scoreBatch(seqs, topK);
        double sum = 0;
        for (SequenceScore s : scores) {
            sum += s.sumLogprob();
        }
        return sum;
    }

    /** One sequence at a time (no padding at all). */
    public double scoreUnpadded(List<int[]> seqs, int topK) {
        double sum = 0;
        for (int[] s : seqs) {
            sum += scorer.score(s, topK).sumLogprob();
        }
        return sum;
    }

    /** Greedy generation of exactly {@code newTokens} per prompt, one prompt after the other (no batched generate). */
    public List<int[]> generate(List<int[]> prompts, int newTokens) {
        GenerationOptions opts = GenerationOptions.greedy(newTokens).withIgnoreEos(true);
        List<int[]> out = new ArrayList<>();
        for (int[] p : prompts) {
            GenerationResult r = generator.generate(p, opts, TokenListener.NONE);
            if (r.newIds().length != newTokens) {
                throw new IllegalStateException("generated " + r.newIds().length + " tokens, wanted " + newTokens);
            }
            out.add(r.newIds());
        }
        return out;
    }

    /**
     * A bench-side prototype of batched greedy generation on the public forward API (not the
     * engine's Generator, which serves one sequence at a time): the prompts left-padded into one
     * batch with an attention mask, one KV cache for the batch, then one forward per step for all
     * sequences; per step and sequence the same work as the Generator (argmax, log-softmax, the
     * chosen token's logprob). Shows what batched decoding would buy on this machine.
     */
    public List<int[]> generateBatched(List<int[]> prompts, int newTokens) {
        CausalLanguageModel model = loaded.model();
        int batch = prompts.size();
        int t0 = prompts.stream().mapToInt(p -> p.length).max().orElseThrow();
        int total = t0 + newTokens - 1;
        int[][] ids = new int[batch][t0];
        int[][] mask = new int[batch][total];
        for (int b = 0; b < batch; b++) {
            int[] p = prompts.get(b);
            System.arraycopy(p, 0, ids[b], t0 - p.length, p.length);
            Arrays.fill(mask[b], t0 - p.length, total, 1);
        }
        int[][] out = new int[batch][newTokens];
        // newTokens forwards: the prompt (first new token), then one per further token
        try (KvCache cache = model.newCache(total)) {
            int[][] step = ids;
            for (int i = 0; i < newTokens; i++) {
                int past = cache.length();
                int len = step[0].length;
                int[][] stepMask = new int[batch][];
                for (int b = 0; b < batch; b++) {
                    stepMask[b] = Arrays.copyOf(mask[b], past + len);
                }
                try (NDManager scope = model.manager().newSubManager();
                        ForwardOutput fwd = model.forward(ForwardInput.builder(step).attentionMask(stepMask).cache(cache)
                                .logitsToKeep(1).build(), scope)) {
                    NDArray last = fwd.logits().reshape(batch, model.vocabSize());
                    long[] next = last.argMax(-1).toLongArray();
                    NDArray logProbs = Torch.logSoftmax(last, -1);
                    logProbs.gather(scope.create(next, new Shape(batch, 1)), 1).toFloatArray();
                    step = new int[batch][1];
                    for (int b = 0; b < batch; b++) {
                        out[b][i] = (int) next[b];
                        step[b][0] = (int) next[b];
                    }
                }
            }
        }
        return Arrays.asList(out);
    }

    /**
     * Where the Scorer's time goes after the forward pass: for each sub-batch, one forward with the
     * logits of every position (timed), then a replica of the Scorer's post-processing loop
     * (log-softmax, gather of the next token, argmax, top-k, copies into Java; only real rows) run
     * on those logits once per chunk size in {@code chunkRows} (timed separately). The Scorer
     * itself uses {@link #SCORER_CHUNK_BYTES} worth of rows.
     *
     * @return {forward seconds, post seconds for chunkRows[0], ...}
     */
    public double[] scoreSplit(List<List<int[]>> partition, int topK, int[] chunkRows) {
        CausalLanguageModel model = loaded.model();
        double[] out = new double[1 + chunkRows.length];
        for (List<int[]> sub : partition) {
            int max = sub.stream().mapToInt(s -> s.length).max().orElseThrow();
            ForwardInput.Builder in = ForwardInput.rightPadded(sub).logitsToKeep(max);
            try (NDManager scope = model.manager().newSubManager()) {
                long t0 = System.nanoTime();
                NDArray logits = model.forward(in.build(), scope).logits();
                out[0] += (System.nanoTime() - t0) / 1e9;
                for (int v = 0; v < chunkRows.length; v++) {
                    long t1 = System.nanoTime();
                    postProcess(logits, sub, topK, chunkRows[v], scope);
                    out[1 + v] += (System.nanoTime() - t1) / 1e9;
                }
            }
        }
        return out;
    }

    /** Scorer's chunk size: 4 MB of logits rows (Scorer.CHUNK_BYTES, package-private there). */
    public static final long SCORER_CHUNK_BYTES = 4L << 20;

    /** The Scorer's post-processing loop (scoreSubBatch), replicated with a configurable chunk size. */
    private static void postProcess(NDArray logits, List<int[]> sub, int topK, int chunkRows, NDManager scope) {
        long vocab = logits.getShape().get(2);
        for (int b = 0; b < sub.size(); b++) {
            int[] s = sub.get(b);
            int end = s.length - 1;
            for (int r0 = 0; r0 < end; r0 += chunkRows) {
                int r1 = Math.min(end, r0 + chunkRows);
                int n = r1 - r0;
                try (NDManager chunkScope = scope.newSubManager()) {
                    NDArray chunk = Torch.view(logits, new long[] {b, r0, 0}, new long[] {b + 1, r1, vocab}, chunkScope)
                            .reshape(n, vocab);
                    NDArray logProbs = Torch.logSoftmax(chunk, -1);
                    long[] targets = new long[n];
                    for (int i = 0; i < n; i++) {
                        targets[i] = s[r0 + 1 + i];
                    }
                    logProbs.gather(chunkScope.create(targets, new Shape(n, 1)), 1).toFloatArray();
                    logProbs.argMax(-1).toLongArray();
                    if (topK > 0) {
                        NDList top = logProbs.topK(topK, -1, true, true);
                        top.get(0).toFloatArray();
                        top.get(1).toLongArray();
                    }
                }
            }
        }
    }

    /**
     * Forward passes over the same sub-batches as the Scorer, without its post-processing:
     * {@code allLogits} false keeps the logits of the last position only (the decoder layers plus a
     * negligible lm_head), true computes the logits of every position.
     */
    public void forwardOnly(List<List<int[]>> partition, boolean allLogits) {
        for (List<int[]> sub : partition) {
            ForwardInput.Builder in = ForwardInput.rightPadded(sub).logitsToKeep(allLogits ? 0 : 1);
            try (NDManager scope = loaded.model().manager().newSubManager();
                    ForwardOutput out = loaded.model().forward(in.build(), scope)) {
                out.logits().getShape();
            }
        }
    }

    @Override
    public void close() {
        loaded.close();
    }

    // ------------------------------------------------------------------------------------------
    // micro-benchmarks through DJL (same libtorch as the engine)
    // ------------------------------------------------------------------------------------------

    /** Median seconds of {@code reps} runs after {@code warmup}. */
    static double medianSeconds(Runnable r, int reps, int warmup) {
        for (int i = 0; i < warmup; i++) {
            r.run();
        }
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long s = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - s) / 1e9;
        }
        Arrays.sort(t);
        return t.length % 2 == 1 ? t[t.length / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
    }

    private static double withManager(java.util.function.Function<NDManager, Double> body) {
        try (NDManager m = NDManager.newBaseManager(Engine.getEngine("PyTorch").getEngineName())) {
            return body.apply(m);
        }
    }

    /** n x n fp32 matmul through DJL: median seconds. */
    public static double matmulSeconds(int n, int reps) {
        return withManager(m -> {
            NDArray a = m.randomNormal(new Shape(n, n));
            NDArray b = m.randomNormal(new Shape(n, n));
            return medianSeconds(() -> {
                try (NDArray c = a.matMul(b)) {
                    c.getShape();
                }
            }, reps, 3);
        });
    }

    /** The engine's linear (one addmm through JNI): x [m, k] times W^T, W [n, k]; median seconds. */
    public static double linearSeconds(int m, int k, int n, int reps) {
        return withManager(mg -> {
            NDArray x = mg.randomNormal(new Shape(m, k));
            NDArray w = mg.randomNormal(new Shape(n, k));
            return medianSeconds(() -> {
                try (NDArray y = Torch.linear(x, w, null)) {
                    y.getShape();
                }
            }, reps, 2);
        });
    }

    /** The engine's activation on a [rows, cols] tensor (GELU_NEW is composed of 8 element-wise ops). */
    public static double activationSeconds(Activation act, int rows, int cols, int reps) {
        return withManager(mg -> {
            Scalars c = new Scalars(mg);
            NDArray x = mg.randomNormal(new Shape(rows, cols));
            return medianSeconds(() -> {
                try (NDManager scope = mg.newSubManager()) {
                    NDArray xs = x.duplicate();
                    xs.attach(scope);
                    act.apply(xs, c).getShape();
                }
            }, reps, 2) - medianSeconds(() -> {
                try (NDManager scope = mg.newSubManager()) {
                    NDArray xs = x.duplicate();
                    xs.attach(scope);
                }
            }, reps, 2);
        });
    }

    /**
     * Alternative GELU_NEW formulations (bench-side; the engine is not changed), on a [rows, cols]
     * tensor: {median seconds of "tanh form with x*x instead of pow", median seconds of
     * "x * sigmoid(x * (2c + 2c * 0.044715 * x^2))", max |difference| of each to the engine's}.
     */
    public static double[] geluAlternatives(int rows, int cols, int reps) {
        double[] out = new double[4];
        withManager(mg -> {
            Scalars c = new Scalars(mg);
            NDArray x = mg.randomNormal(new Shape(rows, cols));
            float k = (float) Math.sqrt(2 / Math.PI);
            java.util.function.Function<NDArray, NDArray> tanhNoPow = xs -> {
                NDArray t = xs.mul(xs);
                Torch.mulInPlace(t, c.of(0.044715f));
                Torch.addInPlace(t, c.of(1f));
                Torch.mulInPlace(t, xs);
                Torch.mulInPlace(t, c.of(k));
                NDArray th = t.tanh();
                t.close();
                Torch.addInPlace(th, c.of(1f));
                Torch.mulInPlace(th, xs);
                return Torch.mulInPlace(th, c.of(0.5f));
            };
            // 0.5 (1 + tanh z) = sigmoid(2 z)
            java.util.function.Function<NDArray, NDArray> sigmoidForm = xs -> {
                NDArray t = xs.mul(xs);
                Torch.mulInPlace(t, c.of(2 * k * 0.044715f));
                Torch.addInPlace(t, c.of(2 * k));
                Torch.mulInPlace(t, xs);
                NDArray s = JniUtils.sigmoid((ai.djl.pytorch.engine.PtNDArray) t);
                t.close();
                return Torch.mulInPlace(s, xs);
            };
            double dup = medianSeconds(() -> {
                try (NDManager scope = mg.newSubManager()) {
                    x.duplicate().attach(scope);
                }
            }, reps, 2);
            int i = 0;
            for (java.util.function.Function<NDArray, NDArray> f : List.of(tanhNoPow, sigmoidForm)) {
                out[i++] = medianSeconds(() -> {
                    try (NDManager scope = mg.newSubManager()) {
                        NDArray xs = x.duplicate();
                        xs.attach(scope);
                        f.apply(xs).getShape();
                    }
                }, reps, 2) - dup;
            }
            try (NDManager scope = mg.newSubManager()) {
                NDArray xs = x.duplicate();
                xs.attach(scope);
                NDArray ref = Activation.GELU_NEW.apply(xs, c);
                out[2] = ref.sub(tanhNoPow.apply(xs)).abs().max().getFloat();
                out[3] = ref.sub(sigmoidForm.apply(xs)).abs().max().getFloat();
            }
            return 0.0;
        });
        return out;
    }

    /**
     * The engine's attention core for one layer on a right-padded batch, replayed op for op as
     * MultiHeadAttention does it (views of a fused qkv, q * scale, q.k^T, += additive mask,
     * softmax, probs.v, merge heads): median seconds.
     */
    public static double attentionSeconds(int b, int h, int t, int d, int[] lens, int reps) {
        return withManager(mg -> {
            Scalars c = new Scalars(mg);
            NDArray fused = mg.randomNormal(new Shape(b, t, 3L * h * d));
            int[][] pad = new int[b][t];
            for (int i = 0; i < b; i++) {
                Arrays.fill(pad[i], 0, lens[i], 1);
            }
            NDArray mask = AttentionMask.build(mg, c, pad, 0, t, null);
            NDArray scale = c.of((float) (1 / Math.sqrt(d)));
            return medianSeconds(() -> {
                try (NDManager s = mg.newSubManager()) {
                    NDArray heads = fused.reshape(b, t, 3L * h, d).transpose(0, 2, 1, 3);
                    heads.attach(s);
                    NDArray q = Torch.narrow(heads, 1, 0, h, s).mul(scale);
                    NDArray k = Torch.narrow(heads, 1, h, 2L * h, s);
                    NDArray v = Torch.narrow(heads, 1, 2L * h, 3L * h, s);
                    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2));
                    Torch.addInPlace(scores, mask);
                    NDArray probs = Torch.softmax(scores, -1);
                    scores.close();
                    probs.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, (long) h * d).getShape();
                }
            }, reps, 1);
        });
    }

    /** One JNI call on a 1-element tensor (in-place add): median seconds per call over {@code calls}. */
    public static double tinyOpSeconds(int calls) {
        return withManager(mg -> {
            NDArray x = mg.create(new float[] {0f});
            NDArray y = mg.create(new float[] {1f});
            return medianSeconds(() -> {
                for (int i = 0; i < calls; i++) {
                    Torch.addInPlace(x, y);
                }
            }, 5, 1) / calls;
        });
    }
}
