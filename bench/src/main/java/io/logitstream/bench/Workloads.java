package io.logitstream.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The inputs of the engine benchmark: random token ids from a fixed seed (the same ids for every
 * checkpoint: all ids are below 50000, inside both GPT-2's and Qwen2's vocabulary and below their
 * special tokens).
 */
public final class Workloads {
    /** Token ids are drawn from [0, ID_LIMIT). */
    static final int ID_LIMIT = 50_000;
    static final int SCORE_B1_LENGTH = 256;
    static final int SCORE_BATCH = 32;
    static final int SCORE_MIN = 16;
    static final int SCORE_MAX = 512;
    static final int GEN_B1_PROMPT = 64;
    static final int GEN_BATCH = 8;
    static final int GEN_MIN = 16;
    static final int GEN_MAX = 128;

    private Workloads() {
    }

    /** Repetitions per workload: score b1, score b32, generate b1, generate b8. */
    public record Reps(int scoreB1, int scoreB32, int genB1, int genB8) {
        static Reps full() {
            return new Reps(5, 3, 5, 2);
        }

        static Reps quick() {
            return new Reps(2, 1, 2, 1);
        }

        static Reps all(int n) {
            return new Reps(n, n, n, n);
        }
    }

    public static List<Workload> create(long seed, Reps reps) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Workload> out = new ArrayList<>();
        List<int[]> scoreB1 = List.of(ids(rnd, SCORE_B1_LENGTH));
        out.add(new Workload("score b1", Workload.Kind.SCORE, scoreB1, reps.scoreB1(), scoreB1));
        List<int[]> mixed = new ArrayList<>();
        for (int i = 0; i < SCORE_BATCH; i++) {
            mixed.add(ids(rnd, rnd.nextInt(SCORE_MIN, SCORE_MAX + 1)));
        }
        // warm-up on a few of them: the kernels and shapes are the same, the full batch takes ~20 s
        out.add(new Workload("score b32", Workload.Kind.SCORE, mixed, reps.scoreB32(), mixed.subList(0, 4)));
        List<int[]> genB1 = List.of(ids(rnd, GEN_B1_PROMPT));
        out.add(new Workload("generate b1", Workload.Kind.GENERATE, genB1, reps.genB1(), genB1));
        List<int[]> genB8 = new ArrayList<>();
        for (int i = 0; i < GEN_BATCH; i++) {
            genB8.add(ids(rnd, rnd.nextInt(GEN_MIN, GEN_MAX + 1)));
        }
        out.add(new Workload("generate b8", Workload.Kind.GENERATE, genB8, reps.genB8(), genB8.subList(0, 2)));
        return out;
    }

    /**
     * The workloads of a sequence-classification checkpoint (it has no LM head to score or generate with):
     * the score workloads' prompts, classified.
     */
    public static List<Workload> forClassifier(List<Workload> workloads) {
        return workloads.stream().filter(w -> w.kind() == Workload.Kind.SCORE)
                .map(w -> new Workload(w.name().replace("score", "classify"), Workload.Kind.CLASSIFY, w.seqs(), w.reps(),
                        w.warmupSeqs()))
                .toList();
    }

    private static int[] ids(SplittableRandom rnd, int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = rnd.nextInt(ID_LIMIT);
        }
        return a;
    }
}
