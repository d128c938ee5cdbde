package io.logitstream.bench.serve;

import io.logitstream.schema.GenerationParams;
import io.logitstream.schema.PromptRequest;
import io.logitstream.schema.Task;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The inputs of {@code bench serve}: random token ids from a fixed seed, the same for every side,
 * and the requests that carry them (input_ids, so no tokenizer is involved).
 *
 * @param concurrentPrompts prompts of the concurrent GENERATEs; N concurrent requests take the first N
 * @param longPrompts       prompts of the long GENERATEs of the mixed load
 * @param scorePrompts      prompts of the short SCOREs of the mixed load (and of their idle baseline)
 * @param warmupPrompts     prompts of the untimed warm-up of every side
 */
public record ServeWorkloads(List<int[]> concurrentPrompts, List<int[]> longPrompts, List<int[]> scorePrompts,
        List<int[]> warmupPrompts) {
    static final int PROMPT_MIN = 16;
    static final int PROMPT_MAX = 64;
    static final int SCORE_MIN = 16;
    static final int SCORE_MAX = 32;
    /** Alternatives per position of a SCORE (as in bench engine). */
    static final int SCORE_TOP_K = 5;
    /** Ids stay below this and below the vocabulary: inside GPT-2's and Qwen2's ordinary tokens. */
    static final int ID_LIMIT = 50_000;

    public static ServeWorkloads create(long seed, int maxConcurrency, int longCount, int scoreCount, int vocabSize) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int limit = Math.min(ID_LIMIT, vocabSize);
        return new ServeWorkloads(prompts(rnd, maxConcurrency, PROMPT_MIN, PROMPT_MAX, limit),
                prompts(rnd, longCount, PROMPT_MIN, PROMPT_MAX, limit),
                prompts(rnd, scoreCount, SCORE_MIN, SCORE_MAX, limit),
                prompts(rnd, 2, PROMPT_MIN, PROMPT_MAX, limit));
    }

    /** Greedy generation of {@code newTokens} (the checkpoint's eos may end it earlier: tokens are counted). */
    static PromptRequest generateRequest(String requestId, String model, int[] ids, int newTokens) {
        return PromptRequest.newBuilder().setRequestId(requestId).setModel(model).setTask(Task.GENERATE)
                .setInputIds(boxed(ids))
                .setGeneration(GenerationParams.newBuilder().setMaxNewTokens(newTokens).setDoSample(false)
                        .setStream(true).build())
                .build();
    }

    static PromptRequest scoreRequest(String requestId, String model, int[] ids) {
        return PromptRequest.newBuilder().setRequestId(requestId).setModel(model).setTask(Task.SCORE)
                .setInputIds(boxed(ids)).setTopLogprobs(SCORE_TOP_K).build();
    }

    static int tokens(List<int[]> prompts) {
        return prompts.stream().mapToInt(p -> p.length).sum();
    }

    static String lengths(List<int[]> prompts) {
        int min = prompts.stream().mapToInt(p -> p.length).min().orElse(0);
        int max = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        return prompts.size() + " x " + min + ".." + max;
    }

    private static List<Integer> boxed(int[] ids) {
        return Arrays.stream(ids).boxed().toList();
    }

    private static List<int[]> prompts(SplittableRandom rnd, int count, int min, int max, int limit) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] p = new int[rnd.nextInt(min, max + 1)];
            for (int j = 0; j < p.length; j++) {
                p[j] = rnd.nextInt(limit);
            }
            out.add(p);
        }
        return out;
    }
}
