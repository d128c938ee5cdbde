package io.logitstream.worker.engine;

import ai.djl.engine.Engine;
import io.logitstream.worker.engine.ops.GenerationOptions;
import io.logitstream.worker.engine.ops.GenerationResult;
import io.logitstream.worker.engine.ops.Generator;
import io.logitstream.worker.engine.ops.Scorer;
import io.logitstream.worker.engine.ops.TokenListener;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;

/**
 * Manual benchmark (not a test): engine start, model load, score latency, decode speed.
 * Run with the test classpath: {@code java -cp ... io.logitstream.worker.engine.EngineBenchmark [MODEL_DIR]}.
 */
public final class EngineBenchmark {
    private EngineBenchmark() {
    }

    public static void main(String[] args) {
        long jvmStart = java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
        long t0 = System.nanoTime();
        Engine engine = Engine.getEngine("PyTorch");
        long t1 = System.nanoTime();
        System.out.printf("engine start: %.0f ms (pytorch %s), since JVM start %d ms%n", (t1 - t0) / 1e6,
                engine.getVersion(), System.currentTimeMillis() - jvmStart);
        Path dir = args.length > 0 ? Paths.get(args[0]) : TestModels.tinyGpt2Dir();
        try (LoadedModel m = ModelLoader.load(dir)) {
            System.out.printf("model load: %d ms (%s)%n", m.loadMillis(), m.name());
            int[] prompt = new int[40];
            int[] base = m.encodeText("The quick brown fox jumps over the lazy dog while the patient engineer watches"
                    + " the Kafka topic fill with prompt events, and every worker writes");
            for (int i = 0; i < 40; i++) {
                prompt[i] = base[i % base.length];
            }
            Scorer scorer = new Scorer(m.model());
            for (int topK : new int[] {0, 5}) {
                double[] ms = new double[60];
                for (int i = 0; i < ms.length; i++) {
                    long s = System.nanoTime();
                    scorer.score(prompt, topK);
                    ms[i] = (System.nanoTime() - s) / 1e6;
                }
                double[] steady = Arrays.copyOfRange(ms, 10, ms.length);
                Arrays.sort(steady);
                System.out.printf("score 40 tokens top-k %d: first %.1f ms, median %.2f ms, p90 %.2f ms%n", topK,
                        ms[0], steady[steady.length / 2], steady[(int) (steady.length * 0.9)]);
            }
            int batch = 8;
            java.util.List<int[]> seqs = new java.util.ArrayList<>();
            for (int i = 0; i < batch; i++) {
                seqs.add(Arrays.copyOf(prompt, 40 - i * 3));
            }
            for (int i = 0; i < 5; i++) {
                scorer.scoreBatch(seqs, 5);
            }
            long s = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                scorer.scoreBatch(seqs, 5);
            }
            System.out.printf("score batch of %d (19-40 tokens) top-k 5: %.2f ms per batch%n", batch,
                    (System.nanoTime() - s) / 1e6 / 20);

            Generator gen = new Generator(m);
            int newTokens = Math.min(128, m.model().contextLength() - prompt.length);
            for (int k : new int[] {0, 5}) {
                GenerationOptions opts = GenerationOptions.greedy(newTokens).withIgnoreEos(true).withTopK(k);
                for (int i = 0; i < 3; i++) {
                    gen.generate(prompt, opts, TokenListener.NONE);
                }
                double best = 0;
                double prefill = Double.MAX_VALUE;
                for (int i = 0; i < 5; i++) {
                    GenerationResult r = gen.generate(prompt, opts, TokenListener.NONE);
                    best = Math.max(best, r.decodeTokensPerSecond());
                    prefill = Math.min(prefill, r.prefillNanos() / 1e6);
                }
                System.out.printf("generate %d new tokens after 40 (top-k %d): prefill %.2f ms, decode %.0f tokens/s"
                        + " (%.2f ms/token)%n", newTokens, k, prefill, best, 1000 / best);
            }
        }
    }
}
