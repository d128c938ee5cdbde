package io.logitstream.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.logitstream.worker.engine.CausalLanguageModel;
import io.logitstream.worker.engine.ForwardInput;
import io.logitstream.worker.engine.ForwardOutput;
import io.logitstream.worker.engine.LoadedModel;
import io.logitstream.worker.engine.ModelLoader;
import io.logitstream.worker.engine.generation.GenerationOptions;
import io.logitstream.worker.engine.generation.GenerationResult;
import io.logitstream.worker.engine.generation.Generator;
import io.logitstream.worker.engine.generation.TokenListener;
import io.logitstream.worker.engine.weights.WeightMode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * {@code bench engine --int8-report}: what {@code --weights int8} saves and costs on each checkpoint,
 * against the same checkpoint in fp32 on the CPU. Memory: the tensor bytes by type
 * ({@code WeightMemory}) and the process's resident growth over the load (RssAnon / RssFile), each
 * mode in a fresh JVM ({@link Int8ReportChild}). Accuracy: full-forward logits of seeded random
 * prompts (max and mean |dlogit|, top-1 agreement) and greedy continuations (identical or not),
 * with the greedy speed of both modes. Minutes on a ~100M checkpoint, no Python.
 */
final class Int8Report {
    private final int prompts;
    private final int promptLength;
    private final int newTokens;
    private final long seed;
    private final PrintStream log;

    Int8Report(int prompts, int promptLength, int newTokens, long seed, PrintStream log) {
        this.prompts = prompts;
        this.promptLength = promptLength;
        this.newTokens = newTokens;
        this.seed = seed;
        this.log = log;
    }

    /** The checkpoints {@code bench engine} made under {@code work/models}; they must exist. */
    static List<Path> modelDirs(Path work, List<String> names) {
        List<Path> dirs = new ArrayList<>();
        for (String n : names) {
            Path dir = work.resolve("models").resolve(n);
            if (!java.nio.file.Files.isDirectory(dir)) {
                throw new IllegalArgumentException(dir + " does not exist: run bench engine once (it makes the"
                        + " checkpoints) or point --work-dir at a folder whose models/ has them");
            }
            dirs.add(dir);
        }
        return dirs;
    }

    String run(List<Path> dirs) throws Exception {
        StringBuilder md = new StringBuilder("## int8 weights vs fp32 (CPU)\n\n")
                .append("Weight-only int8 (`--weights int8`: every decoder linear int8 with per-output-channel absmax")
                .append(" scales, activations fp32; embeddings, norms and the LM head fp32). ")
                .append(String.format("%d seeded random prompts of %d tokens, greedy %d new tokens.%n%n", prompts,
                        promptLength, newTokens))
                .append("| model | tensors fp32 | tensors int8 (int8 + fp32) | ratio | linear weights fp32 -> int8")
                .append(" | RSS growth fp32 (anon/file MiB) | RSS growth int8 (anon/file MiB) | max / mean abs dlogit")
                .append(" | logit std | top-1 agree | greedy identical | greedy tok/s fp32 / int8 |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Path dir : dirs) {
            log.println("int8 report: " + dir);
            long[] fp32 = childLoad(dir, WeightMode.FLOAT);
            long[] int8 = childLoad(dir, WeightMode.INT8);
            long linearInt8 = int8[3];
            long linearFp32 = linearInt8 * 4;
            // the int8 model's fp32 bytes beyond what stays fp32 (embeddings, norms, LM head) are the scales
            long scales = int8[4] - (fp32[2] - linearFp32);
            Accuracy a = accuracy(dir);
            md.append(String.format("| %s | %s | %s (%s + %s) | %.2fx | %s -> %s + %s scales (%.2fx) | %.0f / %.0f"
                    + " | %.0f / %.0f | %.3g / %.3g | %.3g | %.4f | %d of %d | %.1f / %.1f |%n",
                    dir.getFileName(), mib(fp32[2]), mib(int8[2]), mib(int8[3]), mib(int8[4]),
                    (double) fp32[2] / int8[2], mib(linearFp32), mib(linearInt8), mib(scales),
                    (double) linearFp32 / (linearInt8 + scales), fp32[0] / 1024.0, fp32[1] / 1024.0,
                    int8[0] / 1024.0, int8[1] / 1024.0, a.maxAbs, a.meanAbs, a.logitStd, a.top1, a.greedySame,
                    prompts, a.fp32TokS, a.int8TokS));
        }
        return md.toString();
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    /** {rssAnonKb, rssFileKb, totalTensorBytes, int8Bytes, float32Bytes} of one load in a fresh JVM. */
    private long[] childLoad(Path dir, WeightMode mode) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path")));
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("ai.djl."))
                .forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
        cmd.addAll(List.of(Int8ReportChild.class.getName(), dir.toString(), mode.name()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // a fixed threshold: large blocks are mmapped and unmapped when freed, so RSS shows what stays live
        // (glibc otherwise raises the threshold after the first frees and keeps freed temporaries in its heap)
        pb.environment().put("MALLOC_MMAP_THRESHOLD_", "131072");
        Process p = pb.start();
        String result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                if (l.startsWith("INT8REPORT ")) {
                    result = l;
                }
            }
        }
        if (p.waitFor() != 0 || result == null) {
            throw new IllegalStateException("the " + mode + " load of " + dir + " failed (exit " + p.exitValue() + ")");
        }
        String[] f = result.split(" ");
        Map<String, Long> bytes = new TreeMap<>();
        for (int i = 3; i < f.length; i++) {
            String[] kv = f[i].split("=");
            bytes.put(kv[0], Long.parseLong(kv[1]));
        }
        long total = bytes.values().stream().mapToLong(Long::longValue).sum();
        log.printf("  %s: tensors %s, RSS growth anon %s KiB file %s KiB%n", mode, bytes, f[1], f[2]);
        return new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), total, bytes.getOrDefault("int8", 0L),
            bytes.getOrDefault("float32", 0L)};
    }

    private record Accuracy(double maxAbs, double meanAbs, double logitStd, double top1, int greedySame,
            double fp32TokS, double int8TokS) {
    }

    private Accuracy accuracy(Path dir) {
        try (LoadedModel fp32 = ModelLoader.load(dir, null, Device.cpu(), WeightMode.FLOAT);
                LoadedModel int8 = ModelLoader.load(dir, null, Device.cpu(), WeightMode.INT8)) {
            Random r = new Random(seed);
            int vocab = fp32.model().vocabSize();
            double maxAbs = 0;
            double sumAbs = 0;
            double sum = 0;
            double sumSq = 0;
            long n = 0;
            int agree = 0;
            int positions = 0;
            int greedySame = 0;
            double fp32Seconds = 0;
            double int8Seconds = 0;
            for (int p = 0; p < prompts; p++) {
                int[] ids = r.ints(promptLength, 0, vocab).toArray();
                float[] a = logits(fp32.model(), ids);
                float[] b = logits(int8.model(), ids);
                for (int t = 0; t < promptLength; t++) {
                    int argA = 0;
                    int argB = 0;
                    for (int v = 0; v < vocab; v++) {
                        int i = t * vocab + v;
                        double d = Math.abs(a[i] - b[i]);
                        maxAbs = Math.max(maxAbs, d);
                        sumAbs += d;
                        sum += a[i];
                        sumSq += (double) a[i] * a[i];
                        argA = a[i] > a[t * vocab + argA] ? v : argA;
                        argB = b[i] > b[t * vocab + argB] ? v : argB;
                    }
                    agree += argA == argB ? 1 : 0;
                    positions++;
                }
                n += (long) promptLength * vocab;
                long t0 = System.nanoTime();
                GenerationResult ga = greedy(fp32, ids);
                long t1 = System.nanoTime();
                GenerationResult gb = greedy(int8, ids);
                long t2 = System.nanoTime();
                fp32Seconds += (t1 - t0) / 1e9;
                int8Seconds += (t2 - t1) / 1e9;
                boolean same = Arrays.equals(ga.newIds(), gb.newIds());
                greedySame += same ? 1 : 0;
                log.printf("  prompt %d: greedy %s%n", p, same ? "identical" : "differs: " + Arrays.toString(ga.newIds())
                        + " vs " + Arrays.toString(gb.newIds()));
            }
            double mean = sum / n;
            return new Accuracy(maxAbs, sumAbs / n, Math.sqrt(sumSq / n - mean * mean), (double) agree / positions,
                    greedySame, prompts * newTokens / fp32Seconds, prompts * newTokens / int8Seconds);
        }
    }

    private GenerationResult greedy(LoadedModel m, int[] ids) {
        return new Generator(m).generate(ids, GenerationOptions.greedy(newTokens).withIgnoreEos(true), TokenListener.NONE);
    }

    private static float[] logits(CausalLanguageModel model, int[] ids) {
        try (NDManager scope = model.manager().newSubManager();
                ForwardOutput out = model.forward(ForwardInput.of(ids), scope)) {
            return out.logits().toFloatArray();
        }
    }
}
